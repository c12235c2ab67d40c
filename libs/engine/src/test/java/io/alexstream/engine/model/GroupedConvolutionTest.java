package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;

/**
 * Tier: plain unit on a real session. The graph's grouped layers are one Conv2D per group; they must compute what
 * TensorFlow's own grouped Conv2D computes (weights trained with it before keep their meaning).
 */
class GroupedConvolutionTest {

    @Test
    void perGroupConvolutionsEqualTensorFlowsGroupedConv2d() {
        Random random = new Random(11);
        long[] inputShape = {2, 7, 7, 8};
        long[] filterShape = {3, 3, 4, 6};
        float[] input = randoms(random, inputShape);
        float[] filter = randoms(random, filterShape);
        float[] bias = randoms(random, new long[] {6});
        List<Long> strides = List.of(1L, 1L, 1L, 1L);
        try (Graph graph = new Graph();
                // where oneDNN is off, TensorFlow's grouped Conv2D runs only unfused: no remapper for the reference
                Session session = new Session(
                        graph,
                        ConfigProto.newBuilder()
                                .setGraphOptions(GraphOptions.newBuilder()
                                        .setRewriteOptions(
                                                RewriterConfig.newBuilder().setRemapping(RewriterConfig.Toggle.OFF)))
                                .build());
                TFloat32 x = TFloat32.tensorOf(Shape.of(inputShape), DataBuffers.of(input, true, false));
                TFloat32 w = TFloat32.tensorOf(Shape.of(filterShape), DataBuffers.of(filter, true, false));
                TFloat32 b = TFloat32.tensorOf(Shape.of(6), DataBuffers.of(bias, true, false))) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> xIn = tf.constant(x);
            Operand<TFloat32> wIn = tf.constant(w);
            Operand<TFloat32> bIn = tf.constant(b);
            Operand<TFloat32> ours =
                    AlexNetLayers.groupedConv2d(tf.withSubScope("ours"), xIn, wIn, bIn, 2, strides, "SAME");
            Operand<TFloat32> reference = tf.nn.biasAdd(tf.nn.conv2d(xIn, wIn, strides, "SAME"), bIn);
            try (Result result = session.runner().fetch(ours).fetch(reference).run()) {
                float[] got = values((TFloat32) result.get(0));
                float[] expected = values((TFloat32) result.get(1));
                assertThat(got).hasSize(2 * 7 * 7 * 6);
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).as("value %d", i).isCloseTo(expected[i], offset(1e-4f));
                }
            }
        }
    }

    private static float[] randoms(Random random, long[] shape) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        float[] values = new float[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static float[] values(TFloat32 tensor) {
        float[] values = new float[(int) tensor.size()];
        tensor.asRawTensor().data().asFloats().read(values);
        return values;
    }
}

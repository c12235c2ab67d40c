package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.LocalResponseNormalization;
import org.tensorflow.types.TFloat32;

/**
 * Tier: plain unit on a real session. The engine's fast LRN gives the values of TensorFlow's
 * own LRN op with the paper's constants, and with two groups it never mixes the groups.
 */
class LrnTest {

    private static final int C = 16;

    @Test
    void matchesTensorFlowsLrnOpWithThePapersConstants() {
        float[] values = randomActivations(2 * 5 * 5 * C, 40f);
        float[] ours = run(values, 1, false);
        float[] reference = run(values, 1, true);
        for (int i = 0; i < ours.length; i++) {
            assertThat(ours[i])
                    .isCloseTo(
                            reference[i],
                            org.assertj.core.data.Offset.offset(1e-4f * Math.max(1f, Math.abs(reference[i]))));
        }
    }

    @Test
    void twoGroupsNormaliseEachHalfOnItsOwn() {
        float[] values = randomActivations(C, 40f);
        float[] grouped = run(values, 2, false);
        float[] bumped = values.clone();
        bumped[C / 2] += 500f;
        float[] bumpedGrouped = run(bumped, 2, false);
        // channel C/2 - 1 sits next to C/2 but in the other group: untouched
        assertThat(bumpedGrouped[C / 2 - 1]).isEqualTo(grouped[C / 2 - 1]);
        assertThat(bumpedGrouped[C / 2 + 1]).isLessThan(grouped[C / 2 + 1]);
    }

    private static float[] run(float[] values, int groups, boolean tensorFlowOp) {
        int pixels = values.length / C;
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> input = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(pixels, 1, 1, C)));
            Operand<TFloat32> out = tensorFlowOp
                    ? tf.nn.localResponseNormalization(
                            input,
                            LocalResponseNormalization.depthRadius(2L),
                            LocalResponseNormalization.bias(2f),
                            LocalResponseNormalization.alpha(1e-4f),
                            LocalResponseNormalization.beta(0.75f))
                    : AlexNetLayers.lrn(new GraphScopes(tf), "test", input, C, groups, TFloat32.class);
            try (Session session = new Session(graph);
                    TFloat32 in = TFloat32.tensorOf(Shape.of(pixels, 1, 1, C), DataBuffers.of(values, true, false));
                    Result result = session.runner().feed(input, in).fetch(out).run()) {
                float[] output = new float[values.length];
                ((TFloat32) result.get(0)).asRawTensor().data().asFloats().read(output);
                return output;
            }
        }
    }

    private static float[] randomActivations(int n, float scale) {
        Random random = new Random(4);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Math.abs((float) random.nextGaussian()) * scale;
        }
        return values;
    }
}

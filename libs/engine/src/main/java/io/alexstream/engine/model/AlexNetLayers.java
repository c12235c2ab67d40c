package io.alexstream.engine.model;

import io.alexstream.engine.model.AlexNetGraph.ModelVariable;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The forward pass of the 2012 paper, one small builder per layer: conv1 to conv5 with ReLU, LRN
 * after conv1 and conv2, overlapping max pooling, fc6 to fc8, and dropout 0.5 on fc6 and fc7 in
 * the training branch only. Each layer's output op is named {@code <branch>/<layer>/output}, so
 * the inference and training branches read the same variables under distinct names.
 */
final class AlexNetLayers {

    // LRN as in the paper: b = a / (k + alpha * sum over n=5 neighbouring channels of a^2)^beta
    // (TensorFlow's LRN op uses the same formula: depth_radius 2, bias 2, alpha 1e-4, beta 0.75).
    static final int LRN_DEPTH_RADIUS = 2;
    static final float LRN_BIAS = 2f;
    static final float LRN_ALPHA = 1e-4f;
    static final float LRN_BETA = 0.75f;

    static final float DROPOUT_KEEP = 0.5f;

    private AlexNetLayers() {}

    /** Logits of one branch ({@code infer} or {@code train}); dropout only where {@code training}. */
    static Operand<TFloat32> forward(
            GraphScopes scopes,
            String branch,
            AlexNetConfig config,
            Operand<TFloat32> images,
            List<ModelVariable> variables,
            boolean training) {
        Operand<TFloat32> input = images;
        if (config.inputScale() != 1.0) {
            Ops scale = scopes.at(branch + "/input_scale");
            input = scale.math.mul(images, scale.constant((float) config.inputScale()));
        }
        Operand<TFloat32> x = conv(scopes, branch + "/conv1", input, variables, 0, LayerGeometry.CONV1_STRIDE, "VALID");
        x = lrn(scopes, branch + "/conv1", x, config.convChannels(0), config.groups());
        x = maxPool(scopes, branch + "/pool1", x);
        x = conv(scopes, branch + "/conv2", x, variables, 2, 1, "SAME");
        x = lrn(scopes, branch + "/conv2", x, config.convChannels(1), config.groups());
        x = maxPool(scopes, branch + "/pool2", x);
        x = conv(scopes, branch + "/conv3", x, variables, 4, 1, "SAME");
        x = conv(scopes, branch + "/conv4", x, variables, 6, 1, "SAME");
        x = conv(scopes, branch + "/conv5", x, variables, 8, 1, "SAME");
        x = maxPool(scopes, branch + "/pool5", x);
        long flat = variables.get(10).spec().shape()[0];
        Ops flatten = scopes.at(branch + "/flatten");
        x = flatten.reshape(x, flatten.constant(new long[] {-1, flat}));
        x = dense(scopes, branch + "/fc6", x, variables, 10, true);
        if (training) {
            x = dropout(scopes.at(branch + "/fc6/dropout"), x);
        }
        x = dense(scopes, branch + "/fc7", x, variables, 12, true);
        if (training) {
            x = dropout(scopes.at(branch + "/fc7/dropout"), x);
        }
        return dense(scopes, branch + "/fc8", x, variables, 14, false);
    }

    /**
     * A convolution, its bias and ReLU. A grouped layer (filter depth below the input's channels) runs one Conv2D per
     * group on its slice of the input maps, filter and bias, and concatenates the groups' maps, as on the paper's two
     * GPUs; the variables keep their shapes, so weight files do not change. Not TensorFlow's own grouped Conv2D: it
     * works only where oneDNN runs it, and without oneDNN (AVX2-only CPUs) Eigen's filter gradient and Grappler's
     * fused conv+bias+ReLU refuse it (docs/engine.md, Profiles).
     */
    private static Operand<TFloat32> conv(
            GraphScopes scopes,
            String name,
            Operand<TFloat32> input,
            List<ModelVariable> variables,
            int weightIndex,
            int stride,
            String padding) {
        Ops layer = scopes.at(name);
        Operand<TFloat32> weights = variables.get(weightIndex).variable();
        Operand<TFloat32> bias = variables.get(weightIndex + 1).variable();
        List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
        // the maps' count is static in this graph (only the batch dimension is open)
        int groups =
                (int) (input.shape().get(3) / variables.get(weightIndex).spec().shape()[2]);
        if (groups == 1) {
            Operand<TFloat32> biased = layer.nn.biasAdd(layer.nn.conv2d(input, weights, strides, padding), bias);
            return scopes.named(name + "/output").nn.relu(biased);
        }
        return scopes.named(name + "/output")
                .nn
                .relu(groupedConv2d(layer, input, weights, bias, groups, strides, padding));
    }

    /**
     * Conv2D plus bias in {@code groups} groups: group g convolves input maps [g d, (g+1) d) (d the filter depth) with
     * filter and bias columns [g m, (g+1) m) (m the output maps per group), the layout TensorFlow's grouped Conv2D
     * uses; the groups' maps are concatenated in order.
     */
    static Operand<TFloat32> groupedConv2d(
            Ops layer,
            Operand<TFloat32> input,
            Operand<TFloat32> weights,
            Operand<TFloat32> bias,
            int groups,
            List<Long> strides,
            String padding) {
        // int32 offsets: the C++ gradient of Slice subtracts them from the input's int32 shape
        long[] filterShape = weights.shape().asArray();
        int depth = (int) filterShape[2];
        int outPerGroup = (int) filterShape[3] / groups;
        List<Operand<TFloat32>> maps = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            Ops group = layer.withSubScope("group" + g);
            Operand<TFloat32> inputSlice = group.slice(
                    input, group.constant(new int[] {0, 0, 0, g * depth}), group.constant(new int[] {-1, -1, -1, depth
                    }));
            Operand<TFloat32> filterSlice = group.slice(
                    weights,
                    group.constant(new int[] {0, 0, 0, g * outPerGroup}),
                    group.constant(new int[] {-1, -1, -1, outPerGroup}));
            Operand<TFloat32> biasSlice = group.slice(
                    bias, group.constant(new int[] {g * outPerGroup}), group.constant(new int[] {outPerGroup}));
            maps.add(group.nn.biasAdd(group.nn.conv2d(inputSlice, filterSlice, strides, padding), biasSlice));
        }
        return layer.concat(maps, layer.constant(3));
    }

    /**
     * Local response normalisation, b = a / (k + alpha * sum of a^2 over n adjacent maps)^beta,
     * built from fast ops: the channel-window sum of squares is a 1x1 convolution with a band
     * matrix (one GEMM), and x^-0.75 is rsqrt(x) * sqrt(rsqrt(x)). TensorFlow's own LRN kernel
     * computes the same sums in a naive loop and took 40% of a forward pass on the CPU. With two
     * groups the band stays inside each group, as on the paper's two GPUs, where a map's
     * neighbours were the maps on the same GPU.
     */
    static Operand<TFloat32> lrn(GraphScopes scopes, String name, Operand<TFloat32> input, int channels, int groups) {
        Ops layer = scopes.at(name + "/lrn");
        float[][][][] band = new float[1][1][channels][channels];
        int groupSize = channels / groups;
        for (int i = 0; i < channels; i++) {
            for (int j = 0; j < channels; j++) {
                boolean sameGroup = i / groupSize == j / groupSize;
                band[0][0][i][j] = sameGroup && Math.abs(i - j) <= LRN_DEPTH_RADIUS ? 1f : 0f;
            }
        }
        Operand<TFloat32> squares = layer.math.square(input);
        Operand<TFloat32> windowSums = layer.nn.conv2d(squares, layer.constant(band), List.of(1L, 1L, 1L, 1L), "VALID");
        Operand<TFloat32> base =
                layer.math.add(layer.constant(LRN_BIAS), layer.math.mul(layer.constant(LRN_ALPHA), windowSums));
        Operand<TFloat32> scale;
        if (LRN_BETA == 0.75f) {
            Operand<TFloat32> inverseRoot = layer.math.rsqrt(base);
            scale = layer.math.mul(inverseRoot, layer.math.sqrt(inverseRoot));
        } else {
            scale = layer.math.pow(base, layer.constant(-LRN_BETA));
        }
        return scopes.named(name + "/lrn/output").math.mul(input, scale);
    }

    private static Operand<TFloat32> maxPool(GraphScopes scopes, String name, Operand<TFloat32> input) {
        int w = LayerGeometry.POOL_WINDOW;
        int s = LayerGeometry.POOL_STRIDE;
        Ops layer = scopes.at(name);
        return scopes.named(name + "/output")
                .nn
                .maxPool(
                        input, layer.constant(new int[] {1, w, w, 1}), layer.constant(new int[] {1, s, s, 1}), "VALID");
    }

    private static Operand<TFloat32> dense(
            GraphScopes scopes,
            String name,
            Operand<TFloat32> input,
            List<ModelVariable> variables,
            int weightIndex,
            boolean relu) {
        Ops layer = scopes.at(name);
        Operand<TFloat32> product =
                layer.linalg.matMul(input, variables.get(weightIndex).variable());
        Operand<TFloat32> bias = variables.get(weightIndex + 1).variable();
        if (relu) {
            return scopes.named(name + "/output").nn.relu(layer.nn.biasAdd(product, bias));
        }
        return scopes.named(name + "/output").nn.biasAdd(product, bias);
    }

    /** Inverted dropout: keeps each unit with probability 0.5 and doubles the kept ones. */
    private static Operand<TFloat32> dropout(Ops scope, Operand<TFloat32> input) {
        Operand<TFloat32> keep = scope.constant(DROPOUT_KEEP);
        Operand<TFloat32> uniform = scope.random.randomUniform(scope.shape(input), TFloat32.class);
        Operand<TFloat32> mask = scope.math.floor(scope.math.add(uniform, keep));
        return scope.math.div(scope.math.mul(input, mask), keep);
    }
}

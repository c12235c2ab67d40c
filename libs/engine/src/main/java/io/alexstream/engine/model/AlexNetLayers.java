package io.alexstream.engine.model;

import io.alexstream.engine.model.AlexNetGraph.ModelVariable;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * The forward pass of the 2012 paper, one small builder per layer: conv1 to conv5 with ReLU, LRN
 * after conv1 and conv2, overlapping max pooling, fc6 to fc8, and dropout 0.5 on fc6 and fc7 in
 * the training branch only. Each layer's output op is named {@code <branch>/<layer>/output}, so
 * the inference and training branches read the same variables under distinct names.
 */
final class AlexNetLayers {

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
        List<Operand<TFloat32>> weights = new ArrayList<>();
        variables.forEach(v -> weights.add(v.variable()));
        return forward(scopes, branch, config, images, weights, TFloat32.class, training);
    }

    /**
     * Logits of one branch computed in {@code type} on weights of that type, read in the order of
     * {@link AlexNetGraph#variableSpecs}. The input arrives and the logits leave as float32; LRN is always computed in
     * float32, because its sum of squares and bias k = 2 need more than bfloat16's 8 bits.
     */
    static <T extends TNumber> Operand<TFloat32> forward(
            GraphScopes scopes,
            String branch,
            AlexNetConfig config,
            Operand<TFloat32> images,
            List<Operand<T>> weights,
            Class<T> type,
            boolean training) {
        Operand<TFloat32> scaled = images;
        if (config.inputScale() != 1.0) {
            Ops scale = scopes.at(branch + "/input_scale");
            scaled = scale.math.mul(images, scale.constant((float) config.inputScale()));
        }
        Operand<T> input = cast(scopes.at(branch + "/input_scale"), scaled, type);
        Operand<T> x = conv(scopes, branch + "/conv1", input, weights, 0, LayerGeometry.CONV1_STRIDE, "VALID");
        x = lrn(scopes, branch + "/conv1", x, config.convChannels(0), config.groups(), type);
        x = maxPool(scopes, branch + "/pool1", x);
        x = conv(scopes, branch + "/conv2", x, weights, 2, 1, "SAME");
        x = lrn(scopes, branch + "/conv2", x, config.convChannels(1), config.groups(), type);
        x = maxPool(scopes, branch + "/pool2", x);
        x = conv(scopes, branch + "/conv3", x, weights, 4, 1, "SAME");
        x = conv(scopes, branch + "/conv4", x, weights, 6, 1, "SAME");
        x = conv(scopes, branch + "/conv5", x, weights, 8, 1, "SAME");
        x = maxPool(scopes, branch + "/pool5", x);
        long flat = weights.get(10).shape().get(0);
        Ops flatten = scopes.at(branch + "/flatten");
        x = flatten.reshape(x, flatten.constant(new long[] {-1, flat}));
        x = dense(scopes, branch + "/fc6", x, weights, 10, true);
        if (training) {
            x = dropout(scopes.at(branch + "/fc6/dropout"), x, type);
        }
        x = dense(scopes, branch + "/fc7", x, weights, 12, true);
        if (training) {
            x = dropout(scopes.at(branch + "/fc7/dropout"), x, type);
        }
        Operand<T> logits = dense(scopes, branch + "/fc8", x, weights, 14, false);
        return cast(scopes.at(branch + "/logits"), logits, TFloat32.class);
    }

    /** {@code value} as {@code type}; no op where it already is. */
    @SuppressWarnings("unchecked")
    static <T extends TNumber, U extends TNumber> Operand<U> cast(Ops scope, Operand<T> value, Class<U> type) {
        if (value.type() == type) {
            return (Operand<U>) value;
        }
        return scope.dtypes.cast(value, type);
    }

    /**
     * A convolution, its bias and ReLU. A grouped layer (filter depth below the input's channels) runs one Conv2D per
     * group on its slice of the input maps, filter and bias, and concatenates the groups' maps, as on the paper's two
     * GPUs; the variables keep their shapes, so weight files do not change. Not TensorFlow's own grouped Conv2D: it
     * works only where oneDNN runs it, and without oneDNN (AVX2-only CPUs) Eigen's filter gradient and Grappler's
     * fused conv+bias+ReLU refuse it (docs/engine.md, Profiles).
     */
    private static <T extends TNumber> Operand<T> conv(
            GraphScopes scopes,
            String name,
            Operand<T> input,
            List<Operand<T>> variables,
            int weightIndex,
            int stride,
            String padding) {
        Ops layer = scopes.at(name);
        Operand<T> weights = variables.get(weightIndex);
        Operand<T> bias = variables.get(weightIndex + 1);
        List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
        // the maps' count is static in this graph (only the batch dimension is open)
        int groups = (int) (input.shape().get(3) / weights.shape().get(2));
        if (groups == 1) {
            Operand<T> biased = layer.nn.biasAdd(layer.nn.conv2d(input, weights, strides, padding), bias);
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
    static <T extends TNumber> Operand<T> groupedConv2d(
            Ops layer,
            Operand<T> input,
            Operand<T> weights,
            Operand<T> bias,
            int groups,
            List<Long> strides,
            String padding) {
        // int32 offsets: the C++ gradient of Slice subtracts them from the input's int32 shape
        long[] filterShape = weights.shape().asArray();
        int depth = (int) filterShape[2];
        int outPerGroup = (int) filterShape[3] / groups;
        List<Operand<T>> maps = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            Ops group = layer.withSubScope("group" + g);
            Operand<T> inputSlice = group.slice(
                    input, group.constant(new int[] {0, 0, 0, g * depth}), group.constant(new int[] {-1, -1, -1, depth
                    }));
            Operand<T> filterSlice = group.slice(
                    weights,
                    group.constant(new int[] {0, 0, 0, g * outPerGroup}),
                    group.constant(new int[] {-1, -1, -1, outPerGroup}));
            Operand<T> biasSlice = group.slice(
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
    static <T extends TNumber> Operand<T> lrn(
            GraphScopes scopes, String name, Operand<T> maps, int channels, int groups, Class<T> type) {
        Ops layer = scopes.at(name + "/lrn");
        Operand<TFloat32> input = cast(layer, maps, TFloat32.class);
        float[][][][] band = new float[1][1][channels][channels];
        int groupSize = channels / groups;
        for (int i = 0; i < channels; i++) {
            for (int j = 0; j < channels; j++) {
                boolean sameGroup = i / groupSize == j / groupSize;
                band[0][0][i][j] = sameGroup && Math.abs(i - j) <= LayerGeometry.LRN_DEPTH_RADIUS ? 1f : 0f;
            }
        }
        Operand<TFloat32> squares = layer.math.square(input);
        Operand<TFloat32> windowSums = layer.nn.conv2d(squares, layer.constant(band), List.of(1L, 1L, 1L, 1L), "VALID");
        Operand<TFloat32> base = layer.math.add(
                layer.constant(LayerGeometry.LRN_BIAS),
                layer.math.mul(layer.constant(LayerGeometry.LRN_ALPHA), windowSums));
        Operand<TFloat32> scale;
        if (LayerGeometry.LRN_BETA == 0.75f) {
            Operand<TFloat32> inverseRoot = layer.math.rsqrt(base);
            scale = layer.math.mul(inverseRoot, layer.math.sqrt(inverseRoot));
        } else {
            scale = layer.math.pow(base, layer.constant(-LayerGeometry.LRN_BETA));
        }
        if (type == TFloat32.class) {
            return cast(layer, scopes.named(name + "/lrn/output").math.mul(input, scale), type);
        }
        return scopes.named(name + "/lrn/output").dtypes.cast(layer.math.mul(input, scale), type);
    }

    private static <T extends TNumber> Operand<T> maxPool(GraphScopes scopes, String name, Operand<T> input) {
        int w = LayerGeometry.POOL_WINDOW;
        int s = LayerGeometry.POOL_STRIDE;
        Ops layer = scopes.at(name);
        return scopes.named(name + "/output")
                .nn
                .maxPool(
                        input, layer.constant(new int[] {1, w, w, 1}), layer.constant(new int[] {1, s, s, 1}), "VALID");
    }

    private static <T extends TNumber> Operand<T> dense(
            GraphScopes scopes,
            String name,
            Operand<T> input,
            List<Operand<T>> variables,
            int weightIndex,
            boolean relu) {
        Ops layer = scopes.at(name);
        Operand<T> product = layer.linalg.matMul(input, variables.get(weightIndex));
        Operand<T> bias = variables.get(weightIndex + 1);
        if (relu) {
            return scopes.named(name + "/output").nn.relu(layer.nn.biasAdd(product, bias));
        }
        return scopes.named(name + "/output").nn.biasAdd(product, bias);
    }

    /** Inverted dropout: keeps each unit with probability 0.5 and doubles the kept ones. */
    private static <T extends TNumber> Operand<T> dropout(Ops scope, Operand<T> input, Class<T> type) {
        Operand<T> keep = cast(scope, scope.constant(DROPOUT_KEEP), type);
        Operand<T> uniform = scope.random.randomUniform(scope.shape(input), type);
        Operand<T> mask = scope.math.floor(scope.math.add(uniform, keep));
        return scope.math.div(scope.math.mul(input, mask), keep);
    }
}

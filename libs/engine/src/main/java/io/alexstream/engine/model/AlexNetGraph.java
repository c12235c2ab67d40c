package io.alexstream.engine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Builds the AlexNet graph of the 2012 paper into a {@link Graph}: one inference branch
 * (no dropout, softmax output) and one training branch (dropout 0.5 on fc6 and fc7, dense
 * softmax cross-entropy, the paper's momentum and weight-decay update), both reading the
 * same variables.
 *
 * <p>Building is separate from running: {@link AlexNetModel}
 * owns the graph and its session.
 */
public final class AlexNetGraph {

    /** Feed: crops, float32 [batch, C, C, 3], mean already subtracted. */
    public static final String IMAGES = "images";
    /** Fetch: softmax probabilities of the inference branch, [batch, classes]. */
    public static final String PROBABILITIES = "infer/probabilities";
    /** Feed: one-hot labels [batch, classes] for the training branch. */
    public static final String LABELS = "train/labels";
    /** Feed: scalar learning rate of this step. */
    public static final String LEARNING_RATE = "train/learning_rate";
    /** Fetch: mean cross-entropy of the batch (before the update). */
    public static final String LOSS = "train/loss";
    /** Target: applies one SGD step to every variable. */
    public static final String TRAIN_STEP = "train/step";
    /** Names of the per-layer outputs of the inference branch, for shape checks. */
    public static final List<String> LAYER_OUTPUTS = List.of(
            "infer/conv1/output", "infer/pool1/output", "infer/conv2/output", "infer/pool2/output",
            "infer/conv3/output", "infer/conv4/output", "infer/conv5/output", "infer/pool5/output",
            "infer/fc6/output", "infer/fc7/output", "infer/fc8/output");

    // LRN as in the paper: b = a / (k + alpha * sum over n=5 neighbouring channels of a^2)^beta
    // (TensorFlow's LRN op uses the same formula: depth_radius 2, bias 2, alpha 1e-4, beta 0.75).
    static final int LRN_DEPTH_RADIUS = 2;
    static final float LRN_BIAS = 2f;
    static final float LRN_ALPHA = 1e-4f;
    static final float LRN_BETA = 0.75f;

    static final float DROPOUT_KEEP = 0.5f;
    public static final float MOMENTUM = 0.9f;
    public static final float WEIGHT_DECAY = 5e-4f;

    private final AlexNetConfig config;
    private final List<ModelVariable> variables;

    private AlexNetGraph(AlexNetConfig config, List<ModelVariable> variables) {
        this.config = config;
        this.variables = List.copyOf(variables);
    }

    public AlexNetConfig config() {
        return config;
    }

    /** Trainable variables in a fixed order (conv1/weights, conv1/bias, ..., fc8/bias). */
    public List<ModelVariable> variables() {
        return variables;
    }

    /** The variables this config has, with their shapes, without building a graph. */
    public static List<VariableSpec> variableSpecs(AlexNetConfig config) {
        List<VariableSpec> specs = new ArrayList<>();
        int in = AlexNetConfig.CHANNELS;
        int[] kernels = {LayerGeometry.CONV1_KERNEL, 5, 3, 3, 3};
        boolean[] grouped = {false, true, false, true, true};
        // Biases of 1 in conv2, conv4, conv5, fc6 and fc7 as in the paper (positive inputs to the ReLUs).
        boolean[] convBiasOne = {false, true, false, true, true};
        for (int i = 0; i < 5; i++) {
            int out = config.convChannels(i);
            int depth = grouped[i] ? in / config.groups() : in;
            String layer = "conv" + (i + 1);
            specs.add(new VariableSpec(layer + "/weights", new long[] {kernels[i], kernels[i], depth, out}, 0f));
            specs.add(new VariableSpec(layer + "/bias", new long[] {out}, convBiasOne[i] ? 1f : 0f));
            in = out;
        }
        int spatial = LayerGeometry.finalSpatialSize(config.cropSize());
        long flat = (long) spatial * spatial * in;
        int fc = config.fcWidth();
        specs.add(new VariableSpec("fc6/weights", new long[] {flat, fc}, 0f));
        specs.add(new VariableSpec("fc6/bias", new long[] {fc}, 1f));
        specs.add(new VariableSpec("fc7/weights", new long[] {fc, fc}, 0f));
        specs.add(new VariableSpec("fc7/bias", new long[] {fc}, 1f));
        specs.add(new VariableSpec("fc8/weights", new long[] {fc, config.numClasses()}, 0f));
        specs.add(new VariableSpec("fc8/bias", new long[] {config.numClasses()}, 0f));
        return specs;
    }

    /** Name, shape and the paper's initial bias value of one trainable variable. */
    public record VariableSpec(String name, long[] shape, float initialBias) {
        public long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        public boolean isBias() {
            return name.endsWith("/bias");
        }
    }

    /**
     * A variable in the graph with the ops that load it: feed {@code loadValue} and run
     * {@code load} to overwrite it. {@code momentum} is its SGD velocity slot.
     */
    public record ModelVariable(VariableSpec spec, Variable<TFloat32> variable,
                                Placeholder<TFloat32> loadValue, Op load, Op resetMomentum) {
    }

    public static AlexNetGraph build(Graph graph, AlexNetConfig config) {
        Ops tf = Ops.create(graph);
        Scopes scopes = new Scopes(tf);
        List<ModelVariable> variables = new ArrayList<>();
        List<Variable<TFloat32>> velocity = new ArrayList<>();
        for (VariableSpec spec : variableSpecs(config)) {
            Shape shape = Shape.of(spec.shape());
            Variable<TFloat32> variable = scopes.named(spec.name()).variable(shape, TFloat32.class);
            Placeholder<TFloat32> value = scopes.named("load/" + spec.name())
                    .placeholder(TFloat32.class, Placeholder.shape(shape));
            Op load = scopes.named("assign/" + spec.name()).assign(variable, value);
            Variable<TFloat32> slot = scopes.named("momentum/" + spec.name()).variable(shape, TFloat32.class);
            Op reset = scopes.named("reset_momentum/" + spec.name()).assign(slot, tf.zeros(tf.constant(shape), TFloat32.class));
            variables.add(new ModelVariable(spec, variable, value, load, reset));
            velocity.add(slot);
        }

        Placeholder<TFloat32> images = scopes.named(IMAGES).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS)));

        Operand<TFloat32> inferLogits = forward(scopes, "infer", config, images, variables, false);
        scopes.named(PROBABILITIES).nn.softmax(inferLogits);

        Ops train = scopes.at("train");
        Placeholder<TFloat32> labels = scopes.named(LABELS).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, config.numClasses())));
        Placeholder<TFloat32> learningRate = scopes.named(LEARNING_RATE).placeholder(TFloat32.class,
                Placeholder.shape(Shape.scalar()));
        Operand<TFloat32> trainLogits = forward(scopes, "train", config, images, variables, true);
        Operand<TFloat32> crossEntropy = train.nn.softmaxCrossEntropyWithLogits(trainLogits, labels).loss();
        Operand<TFloat32> loss = scopes.named(LOSS).math.mean(crossEntropy, tf.constant(0));

        List<Operand<?>> weights = new ArrayList<>();
        variables.forEach(v -> weights.add(v.variable()));
        List<Operand<?>> gradients = new ArrayList<>();
        scopes.at("train/gradients").gradients(loss, weights).forEach(gradients::add);

        // Every update waits for every gradient: a ref variable must not change while the
        // backward pass of an earlier layer still reads it.
        List<Op> gradientOps = new ArrayList<>();
        gradients.forEach(g -> gradientOps.add(scopes.at("train/gradients").identity(g)));
        Ops update = scopes.at("train/update").withControlDependencies(gradientOps);
        Operand<TFloat32> momentum = tf.constant(MOMENTUM);
        Operand<TFloat32> decayRate = update.math.mul(tf.constant(WEIGHT_DECAY), learningRate);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Variable<TFloat32> w = variables.get(i).variable();
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) gradients.get(i);
            // The paper's rule: v <- 0.9 v - 0.0005 * lr * w - lr * dL/dw ;  w <- w + v
            Operand<TFloat32> newVelocity = update.math.sub(
                    update.math.sub(update.math.mul(momentum, velocity.get(i)), update.math.mul(decayRate, w)),
                    update.math.mul(learningRate, g));
            Operand<TFloat32> assignedVelocity = update.assign(velocity.get(i), newVelocity);
            updates.add(update.assignAdd(w, assignedVelocity));
        }
        scopes.named(TRAIN_STEP).withControlDependencies(updates).noOp();
        return new AlexNetGraph(config, variables);
    }

    /**
     * Name scopes by path, each created once: TensorFlow Java makes a sub-scope name unique
     * every time it is opened, so {@code conv1/weights} and {@code conv1/bias} must share one.
     */
    static final class Scopes {
        private final Ops root;
        private final java.util.Map<String, Ops> byPath = new java.util.HashMap<>();

        Scopes(Ops root) {
            this.root = root;
        }

        Ops at(String path) {
            if (path.isEmpty()) {
                return root;
            }
            Ops cached = byPath.get(path);
            if (cached == null) {
                int slash = path.lastIndexOf('/');
                Ops parent = slash < 0 ? root : at(path.substring(0, slash));
                cached = parent.withSubScope(path.substring(slash + 1));
                byPath.put(path, cached);
            }
            return cached;
        }

        /** Ops whose next op is called exactly {@code path}, e.g. {@code conv1/weights}. */
        Ops named(String path) {
            int slash = path.lastIndexOf('/');
            Ops parent = slash < 0 ? root : at(path.substring(0, slash));
            return parent.withName(path.substring(slash + 1));
        }
    }

    private static Operand<TFloat32> forward(Scopes scopes, String branch, AlexNetConfig config, Operand<TFloat32> images,
                                             List<ModelVariable> variables, boolean training) {
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
     * GPUs; the variables keep their shapes, so weight files do not change. TensorFlow's own grouped Conv2D (which
     * infers the groups from the filter depth) only works where oneDNN runs it: by default oneDNN is off on CPUs
     * without AVX-512 VNNI/BF16 (AMD Zen 3, for one), and there Eigen's filter gradient refuses it ("filter_size
     * does not have enough elements") and Grappler's fused conv+bias+ReLU refuses it at the first inference run.
     */
    private static Operand<TFloat32> conv(Scopes scopes, String name, Operand<TFloat32> input,
                                         List<ModelVariable> variables, int weightIndex, int stride, String padding) {
        Ops layer = scopes.at(name);
        Operand<TFloat32> weights = variables.get(weightIndex).variable();
        Operand<TFloat32> bias = variables.get(weightIndex + 1).variable();
        List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
        // the maps' count is static in this graph (only the batch dimension is open)
        int groups = (int) (input.shape().get(3) / variables.get(weightIndex).spec().shape()[2]);
        if (groups == 1) {
            Operand<TFloat32> biased = layer.nn.biasAdd(layer.nn.conv2d(input, weights, strides, padding), bias);
            return scopes.named(name + "/output").nn.relu(biased);
        }
        return scopes.named(name + "/output").nn.relu(groupedConv2d(layer, input, weights, bias, groups, strides, padding));
    }

    /**
     * Conv2D plus bias in {@code groups} groups: group g convolves input maps [g d, (g+1) d) (d the filter depth) with
     * filter and bias columns [g m, (g+1) m) (m the output maps per group), the layout TensorFlow's grouped Conv2D
     * uses; the groups' maps are concatenated in order.
     */
    static Operand<TFloat32> groupedConv2d(Ops layer, Operand<TFloat32> input, Operand<TFloat32> weights, Operand<TFloat32> bias,
                                           int groups, List<Long> strides, String padding) {
        // int32 offsets: the C++ gradient of Slice subtracts them from the input's int32 shape
        long[] filterShape = weights.shape().asArray();
        int depth = (int) filterShape[2];
        int outPerGroup = (int) filterShape[3] / groups;
        List<Operand<TFloat32>> maps = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            Ops group = layer.withSubScope("group" + g);
            Operand<TFloat32> inputSlice = group.slice(input, group.constant(new int[] {0, 0, 0, g * depth}),
                    group.constant(new int[] {-1, -1, -1, depth}));
            Operand<TFloat32> filterSlice = group.slice(weights, group.constant(new int[] {0, 0, 0, g * outPerGroup}),
                    group.constant(new int[] {-1, -1, -1, outPerGroup}));
            Operand<TFloat32> biasSlice = group.slice(bias, group.constant(new int[] {g * outPerGroup}),
                    group.constant(new int[] {outPerGroup}));
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
    static Operand<TFloat32> lrn(Scopes scopes, String name, Operand<TFloat32> input, int channels, int groups) {
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
        Operand<TFloat32> base = layer.math.add(layer.constant(LRN_BIAS), layer.math.mul(layer.constant(LRN_ALPHA), windowSums));
        Operand<TFloat32> scale;
        if (LRN_BETA == 0.75f) {
            Operand<TFloat32> inverseRoot = layer.math.rsqrt(base);
            scale = layer.math.mul(inverseRoot, layer.math.sqrt(inverseRoot));
        } else {
            scale = layer.math.pow(base, layer.constant(-LRN_BETA));
        }
        return scopes.named(name + "/lrn/output").math.mul(input, scale);
    }

    private static Operand<TFloat32> maxPool(Scopes scopes, String name, Operand<TFloat32> input) {
        int w = LayerGeometry.POOL_WINDOW;
        int s = LayerGeometry.POOL_STRIDE;
        Ops layer = scopes.at(name);
        return scopes.named(name + "/output").nn.maxPool(input,
                layer.constant(new int[] {1, w, w, 1}), layer.constant(new int[] {1, s, s, 1}), "VALID");
    }

    private static Operand<TFloat32> dense(Scopes scopes, String name, Operand<TFloat32> input,
                                          List<ModelVariable> variables, int weightIndex, boolean relu) {
        Ops layer = scopes.at(name);
        Operand<TFloat32> product = layer.linalg.matMul(input, variables.get(weightIndex).variable());
        if (relu) {
            return scopes.named(name + "/output").nn.relu(layer.nn.biasAdd(product, variables.get(weightIndex + 1).variable()));
        }
        return scopes.named(name + "/output").nn.biasAdd(product, variables.get(weightIndex + 1).variable());
    }

    /** Inverted dropout: keeps each unit with probability 0.5 and doubles the kept ones. */
    private static Operand<TFloat32> dropout(Ops scope, Operand<TFloat32> input) {
        Operand<TFloat32> keep = scope.constant(DROPOUT_KEEP);
        Operand<TFloat32> uniform = scope.random.randomUniform(scope.shape(input), TFloat32.class);
        Operand<TFloat32> mask = scope.math.floor(scope.math.add(uniform, keep));
        return scope.math.div(scope.math.mul(input, mask), keep);
    }
}

package io.alexstream.engine.model;

import io.alexstream.engine.runtime.Precision;
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
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * Builds the AlexNet graph of the 2012 paper into a {@link Graph}: one inference branch
 * (no dropout, softmax output) and one training branch (dropout 0.5 on fc6 and fc7, dense
 * softmax cross-entropy, the paper's momentum and weight-decay update), both reading the
 * same variables.
 *
 * <p>Building is separate from running: {@link AlexNetModel}
 * owns the graph and its session. The layers are built by {@link AlexNetLayers}, the update
 * rule by {@link MomentumUpdate}.
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
    /** Target (bf16 precision only): copies every variable into the bfloat16 weights inference reads. */
    public static final String REFRESH_BF16 = "bf16/refresh";
    /** Names of the per-layer outputs of the inference branch, for shape checks. */
    public static final List<String> LAYER_OUTPUTS = List.of(
            "infer/conv1/output",
            "infer/pool1/output",
            "infer/conv2/output",
            "infer/pool2/output",
            "infer/conv3/output",
            "infer/conv4/output",
            "infer/conv5/output",
            "infer/pool5/output",
            "infer/fc6/output",
            "infer/fc7/output",
            "infer/fc8/output");

    private final AlexNetConfig config;
    private final List<ModelVariable> variables;
    private final Precision precision;

    private AlexNetGraph(AlexNetConfig config, List<ModelVariable> variables, Precision precision) {
        this.config = config;
        this.variables = List.copyOf(variables);
        this.precision = precision;
    }

    /** The numbers the inference branch computes with. */
    public Precision precision() {
        return precision;
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
            long[] filter = {kernels[i], kernels[i], depth, out};
            specs.add(new VariableSpec(layer + "/weights", filter, 0f));
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
    public record ModelVariable(
            VariableSpec spec,
            Variable<TFloat32> variable,
            Placeholder<TFloat32> loadValue,
            Op load,
            Op resetMomentum) {}

    /** Builds both branches and the update rule into {@code graph}; the handles to load and read the variables. */
    public static AlexNetGraph build(Graph graph, AlexNetConfig config) {
        return build(graph, config, Precision.FP32);
    }

    /** As {@link #build(Graph, AlexNetConfig)} with the inference branch in {@code precision}. */
    public static AlexNetGraph build(Graph graph, AlexNetConfig config, Precision precision) {
        Ops tf = Ops.create(graph);
        GraphScopes scopes = new GraphScopes(tf);
        List<ModelVariable> variables = new ArrayList<>();
        List<Variable<TFloat32>> velocity = new ArrayList<>();
        for (VariableSpec spec : variableSpecs(config)) {
            Shape shape = Shape.of(spec.shape());
            Variable<TFloat32> variable = scopes.named(spec.name()).variable(shape, TFloat32.class);
            Placeholder<TFloat32> value =
                    scopes.named("load/" + spec.name()).placeholder(TFloat32.class, Placeholder.shape(shape));
            Op load = scopes.named("assign/" + spec.name()).assign(variable, value);
            Variable<TFloat32> slot = scopes.named("momentum/" + spec.name()).variable(shape, TFloat32.class);
            Op reset = scopes.named("reset_momentum/" + spec.name())
                    .assign(slot, tf.zeros(tf.constant(shape), TFloat32.class));
            variables.add(new ModelVariable(spec, variable, value, load, reset));
            velocity.add(slot);
        }

        Placeholder<TFloat32> images = scopes.named(IMAGES)
                .placeholder(
                        TFloat32.class,
                        Placeholder.shape(Shape.of(-1, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS)));

        Operand<TFloat32> inferLogits = precision == Precision.BF16
                ? AlexNetLayers.forward(
                        scopes, "infer", config, images, bfloat16Copies(scopes, variables), TBfloat16.class, false)
                : AlexNetLayers.forward(scopes, "infer", config, images, variables, false);
        scopes.named(PROBABILITIES).nn.softmax(inferLogits);

        Ops train = scopes.at("train");
        Placeholder<TFloat32> labels =
                scopes.named(LABELS).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, config.numClasses())));
        Placeholder<TFloat32> learningRate =
                scopes.named(LEARNING_RATE).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Operand<TFloat32> trainLogits = AlexNetLayers.forward(scopes, "train", config, images, variables, true);
        Operand<TFloat32> crossEntropy =
                train.nn.softmaxCrossEntropyWithLogits(trainLogits, labels).loss();
        Operand<TFloat32> loss = scopes.named(LOSS).math.mean(crossEntropy, tf.constant(0));

        MomentumUpdate.build(scopes, TRAIN_STEP, loss, learningRate, variables, velocity);
        return new AlexNetGraph(config, variables, precision);
    }

    /**
     * bfloat16 copies of every variable for the inference branch, and the target {@link #REFRESH_BF16} that fills them:
     * casting 60 million weights on every run would cost more than bfloat16 saves at batch 1.
     */
    private static List<Operand<TBfloat16>> bfloat16Copies(GraphScopes scopes, List<ModelVariable> variables) {
        List<Operand<TBfloat16>> copies = new ArrayList<>();
        List<Op> assigns = new ArrayList<>();
        for (ModelVariable v : variables) {
            Variable<TBfloat16> copy = scopes.named("bf16/" + v.spec().name())
                    .variable(Shape.of(v.spec().shape()), TBfloat16.class);
            Ops refresh = scopes.at("bf16/assign");
            assigns.add(refresh.assign(copy, refresh.dtypes.cast(v.variable(), TBfloat16.class)));
            copies.add(copy);
        }
        scopes.named(REFRESH_BF16).withControlDependencies(assigns).noOp();
        return copies;
    }
}

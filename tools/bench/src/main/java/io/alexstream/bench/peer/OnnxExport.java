package io.alexstream.bench.peer;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.model.LayerGeometry;
import io.alexstream.engine.weights.ModelWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The engine's AlexNet as an ONNX model (opset 13) with the same weights and the same layers: conv1 to conv5 with
 * ReLU, the paper's LRN after conv1 and conv2 (inside each group, as the engine computes it), overlapping max
 * pooling, two-group convolutions as one grouped {@code Conv}, fc6 to fc8 and the softmax. The weights are the
 * engine's, rearranged into ONNX's layouts (filters [out, in, kh, kw], fc6's rows in channel-major order). Input
 * {@value #INPUT} takes the engine's own crops ([N, C, C, 3], mean subtracted); output {@value #OUTPUT} is
 * [N, classes].
 */
public final class OnnxExport {

    public static final String INPUT = "crops";
    public static final String OUTPUT = "probabilities";

    static final int OPSET = 13;
    static final int IR_VERSION = 8;
    private static final int FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;

    private final AlexNetConfig config;
    private final Map<String, float[]> values;
    private final List<ProtoMessage> nodes = new ArrayList<>();
    private final List<ProtoMessage> initializers = new ArrayList<>();
    private int counter;

    private OnnxExport(ModelWeights weights) {
        this.config = weights.config();
        this.values = weights.variables();
    }

    /** The serialized ModelProto of these weights. */
    public static byte[] model(ModelWeights weights) {
        return new OnnxExport(weights).build();
    }

    private byte[] build() {
        List<VariableSpec> specs = AlexNetGraph.variableSpecs(config);
        String x = node("Transpose", List.of(INPUT), ints("perm", 0, 3, 1, 2));
        if (config.inputScale() != 1.0) {
            x = node("Mul", List.of(x, constant("input_scale", new long[0], new float[] {(float) config.inputScale()
            })));
        }
        x = conv(x, specs, 0, LayerGeometry.CONV1_STRIDE, false);
        x = lrn(x, config.convChannels(0));
        x = maxPool(x);
        x = conv(x, specs, 2, 1, true);
        x = lrn(x, config.convChannels(1));
        x = maxPool(x);
        x = conv(x, specs, 4, 1, true);
        x = conv(x, specs, 6, 1, true);
        x = conv(x, specs, 8, 1, true);
        x = maxPool(x);
        x = node("Flatten", List.of(x), integer("axis", 1));
        x = dense(x, specs, 10, true, fc6RowsInChannelOrder(specs));
        x = dense(x, specs, 12, true, values.get(specs.get(12).name()));
        x = dense(x, specs, 14, false, values.get(specs.get(14).name()));
        nodes.add(nodeProto("Softmax", List.of(x), OUTPUT, integer("axis", 1)));

        ProtoMessage graph = new ProtoMessage();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, "alexnet_" + config.profile());
        initializers.forEach(t -> graph.message(5, t));
        graph.message(11, valueInfo(INPUT, "N", config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS));
        graph.message(12, valueInfo(OUTPUT, "N", config.numClasses()));
        return new ProtoMessage()
                .int64(1, IR_VERSION)
                .string(2, "alexstream bench")
                .message(7, graph)
                .message(8, new ProtoMessage().string(1, "").int64(2, OPSET))
                .toByteArray();
    }

    /** Conv + bias + ReLU; the engine's filter [kh, kw, depth, out] becomes ONNX's [out, depth, kh, kw]. */
    private String conv(String input, List<VariableSpec> specs, int index, int stride, boolean same) {
        VariableSpec spec = specs.get(index);
        long[] shape = spec.shape();
        int kh = (int) shape[0];
        int kw = (int) shape[1];
        int depth = (int) shape[2];
        int out = (int) shape[3];
        float[] hwio = values.get(spec.name());
        float[] oihw = new float[hwio.length];
        for (int h = 0; h < kh; h++) {
            for (int w = 0; w < kw; w++) {
                for (int d = 0; d < depth; d++) {
                    for (int o = 0; o < out; o++) {
                        oihw[((o * depth + d) * kh + h) * kw + w] = hwio[((h * kw + w) * depth + d) * out + o];
                    }
                }
            }
        }
        int inputChannels = index == 0 ? AlexNetConfig.CHANNELS : config.convChannels(index / 2 - 1);
        int groups = inputChannels / depth;
        String weights = constant(spec.name(), new long[] {out, depth, kh, kw}, oihw);
        String bias = constant(
                specs.get(index + 1).name(),
                new long[] {out},
                values.get(specs.get(index + 1).name()));
        int pad = same ? (kh - 1) / 2 : 0;
        String conv = node(
                "Conv",
                List.of(input, weights, bias),
                ints("strides", stride, stride),
                ints("pads", pad, pad, pad, pad),
                ints("kernel_shape", kh, kw),
                integer("group", groups));
        return node("Relu", List.of(conv));
    }

    /**
     * The engine's LRN in the form ONNX Runtime runs fastest: the window sum of squares as a 1x1 convolution with a
     * band matrix (alpha folded into the band, k into the bias; the band stays inside each group, as the engine's
     * does), then x / (base^0.5 * base^0.25). ONNX's own {@code LRN} op, with a Split and Concat per group, made
     * the whole pass 1.5 times slower on the 2-core bench machine: LRN alone took 45% of it.
     */
    private String lrn(String input, int channels) {
        float[] band = new float[channels * channels];
        int groupSize = channels / config.groups();
        for (int o = 0; o < channels; o++) {
            for (int i = 0; i < channels; i++) {
                boolean near = o / groupSize == i / groupSize && Math.abs(o - i) <= LayerGeometry.LRN_DEPTH_RADIUS;
                band[o * channels + i] = near ? LayerGeometry.LRN_ALPHA : 0f;
            }
        }
        float[] bias = new float[channels];
        Arrays.fill(bias, LayerGeometry.LRN_BIAS);
        String squares = node("Mul", List.of(input, input));
        String base = node(
                "Conv",
                List.of(
                        squares,
                        constant(name("lrn_band"), new long[] {channels, channels, 1, 1}, band),
                        constant(name("lrn_bias"), new long[] {channels}, bias)));
        // x^-0.75 as two square roots: ONNX Runtime's Pow is slower than both together
        String root = node("Sqrt", List.of(base));
        String power = node("Mul", List.of(root, node("Sqrt", List.of(root))));
        return node("Div", List.of(input, power));
    }

    private String maxPool(String input) {
        int w = LayerGeometry.POOL_WINDOW;
        int s = LayerGeometry.POOL_STRIDE;
        return node("MaxPool", List.of(input), ints("kernel_shape", w, w), ints("strides", s, s));
    }

    private String dense(String input, List<VariableSpec> specs, int index, boolean relu, float[] weights) {
        VariableSpec spec = specs.get(index);
        String w = constant(spec.name(), spec.shape(), weights);
        String b = constant(
                specs.get(index + 1).name(),
                specs.get(index + 1).shape(),
                values.get(specs.get(index + 1).name()));
        String product = node("Gemm", List.of(input, w, b));
        return relu ? node("Relu", List.of(product)) : product;
    }

    /** The engine flattens pool5 as [h, w, c]; after the NCHW layers ONNX flattens as [c, h, w]. */
    private float[] fc6RowsInChannelOrder(List<VariableSpec> specs) {
        VariableSpec spec = specs.get(10);
        float[] hwc = values.get(spec.name());
        int width = (int) spec.shape()[1];
        int channels = config.convChannels(4);
        int spatial = LayerGeometry.finalSpatialSize(config.cropSize());
        float[] chw = new float[hwc.length];
        for (int h = 0; h < spatial; h++) {
            for (int w = 0; w < spatial; w++) {
                for (int c = 0; c < channels; c++) {
                    int from = (h * spatial + w) * channels + c;
                    int to = (c * spatial + h) * spatial + w;
                    System.arraycopy(hwc, from * width, chw, to * width, width);
                }
            }
        }
        return chw;
    }

    private String node(String op, List<String> inputs, ProtoMessage... attributes) {
        String output = name(op.toLowerCase(java.util.Locale.ROOT));
        nodes.add(nodeProto(op, inputs, output, attributes));
        return output;
    }

    private ProtoMessage nodeProto(String op, List<String> inputs, String output, ProtoMessage... attributes) {
        ProtoMessage node = new ProtoMessage();
        inputs.forEach(i -> node.string(1, i));
        node.string(2, output).string(3, output).string(4, op);
        for (ProtoMessage attribute : attributes) {
            node.message(5, attribute);
        }
        return node;
    }

    private String constant(String name, long[] dims, float[] data) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        initializers.add(new ProtoMessage()
                .int64s(1, dims)
                .int64(2, FLOAT)
                .string(8, name)
                .bytes(9, raw.array()));
        return name;
    }

    private String name(String prefix) {
        return prefix + "_" + counter++;
    }

    private static ProtoMessage valueInfo(String name, String batch, long... dims) {
        ProtoMessage shape = new ProtoMessage().message(1, new ProtoMessage().string(2, batch));
        for (long dim : dims) {
            shape.message(1, new ProtoMessage().int64(1, dim));
        }
        ProtoMessage tensor = new ProtoMessage().int64(1, FLOAT).message(2, shape);
        return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensor));
    }

    private static ProtoMessage ints(String name, long... values) {
        return new ProtoMessage().string(1, name).int64s(8, values).int64(20, ATTR_INTS);
    }

    private static ProtoMessage integer(String name, long value) {
        return new ProtoMessage().string(1, name).int64(3, value).int64(20, ATTR_INT);
    }
}

package io.alexstream.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The analytic description of every layer: output shape, parameter count and multiply-adds.
 * Used by {@code model-info}, the benchmark's FLOP counts, and the tests that compare it
 * against the shapes TensorFlow infers for the real graph.
 */
public final class LayerGeometry {

    public static final int CONV1_KERNEL = 11;
    public static final int CONV1_STRIDE = 4;
    public static final int POOL_WINDOW = 3;
    public static final int POOL_STRIDE = 2;

    // LRN as in the paper: b = a / (k + alpha * sum over n=5 neighbouring channels of a^2)^beta
    // (TensorFlow's LRN op uses the same formula: depth_radius 2, bias 2, alpha 1e-4, beta 0.75).
    public static final int LRN_DEPTH_RADIUS = 2;
    public static final float LRN_BIAS = 2f;
    public static final float LRN_ALPHA = 1e-4f;
    public static final float LRN_BETA = 0.75f;

    private LayerGeometry() {}

    /** One row of the layer table. {@code outputShape} is height, width, channels (or width for fc layers). */
    public record Layer(String name, int[] outputShape, long parameters, long multiplyAdds) {}

    static int conv1Size(int cropSize) {
        return (cropSize - CONV1_KERNEL) / CONV1_STRIDE + 1;
    }

    static int pooled(int size) {
        return (size - POOL_WINDOW) / POOL_STRIDE + 1;
    }

    /** Height and width of pool5's maps for crops of {@code cropSize}. */
    public static int finalSpatialSize(int cropSize) {
        if (cropSize < CONV1_KERNEL) {
            return 0;
        }
        return pooled(pooled(pooled(conv1Size(cropSize))));
    }

    public static List<Layer> layers(AlexNetConfig config) {
        List<Layer> layers = new ArrayList<>();
        int size = conv1Size(config.cropSize());
        int[] kernels = {CONV1_KERNEL, 5, 3, 3, 3};
        boolean[] grouped = {false, true, false, true, true};
        int inChannels = AlexNetConfig.CHANNELS;
        for (int i = 0; i < 5; i++) {
            int out = config.convChannels(i);
            int groupsHere = grouped[i] ? config.groups() : 1;
            long weights = (long) kernels[i] * kernels[i] * (inChannels / groupsHere) * out;
            String name = "conv" + (i + 1);
            layers.add(new Layer(name, new int[] {size, size, out}, weights + out, weights * size * size));
            if (i == 0 || i == 1 || i == 4) {
                size = pooled(size);
                layers.add(new Layer("pool" + (i + 1), new int[] {size, size, out}, 0, 0));
            }
            inChannels = out;
        }
        long flat = (long) size * size * inChannels;
        int fc = config.fcWidth();
        layers.add(new Layer("fc6", new int[] {fc}, flat * fc + fc, flat * fc));
        layers.add(new Layer("fc7", new int[] {fc}, (long) fc * fc + fc, (long) fc * fc));
        int classes = config.numClasses();
        layers.add(new Layer("fc8", new int[] {classes}, (long) fc * classes + classes, (long) fc * classes));
        return layers;
    }

    public static long totalParameters(AlexNetConfig config) {
        return layers(config).stream().mapToLong(Layer::parameters).sum();
    }

    /** Multiply-adds of one forward pass of one crop. */
    public static long totalMultiplyAdds(AlexNetConfig config) {
        return layers(config).stream().mapToLong(Layer::multiplyAdds).sum();
    }

    /**
     * Floating-point operations of one training step per crop: the forward pass, the weight
     * gradients (as many multiply-adds as the forward pass) and the input gradients of every
     * layer but conv1 (whose input needs none), two FLOPs per multiply-add.
     */
    public static long trainingFlopsPerCrop(AlexNetConfig config) {
        List<Layer> layers = layers(config);
        long forward = totalMultiplyAdds(config);
        long conv1 = layers.get(0).multiplyAdds();
        return 2 * (forward + forward + (forward - conv1));
    }
}

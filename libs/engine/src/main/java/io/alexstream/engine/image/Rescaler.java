package io.alexstream.engine.image;

/**
 * The paper's rescaling: the shorter side becomes S and the central S x S patch is kept.
 * Implemented as a resample of the central square of the source (the same pixels), with a
 * separable triangle filter whose support widens when shrinking, so downscaled images are
 * not aliased.
 */
public final class Rescaler {

    private Rescaler() {}

    public static ScaledImage scale(RgbImage image, int size) {
        int side = Math.min(image.width(), image.height());
        int x0 = (image.width() - side) / 2;
        int y0 = (image.height() - side) / 2;
        if (side == size) {
            // the filter is the identity here (weight 1 on the pixel itself): the central square, copied
            return new ScaledImage(size, centralSquare(image, x0, y0, side));
        }
        Kernel kernel = Kernel.of(side, size);
        // horizontal pass: side rows x size columns
        float[] rows = new float[side * size * 3];
        byte[] src = image.rgb();
        int stride = image.width() * 3;
        for (int y = 0; y < side; y++) {
            int rowStart = (y0 + y) * stride + x0 * 3;
            for (int x = 0; x < size; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int first = kernel.first[x];
                float[] weights = kernel.weights[x];
                for (int k = 0; k < weights.length; k++) {
                    int p = rowStart + (first + k) * 3;
                    float w = weights[k];
                    r += w * (src[p] & 0xff);
                    g += w * (src[p + 1] & 0xff);
                    b += w * (src[p + 2] & 0xff);
                }
                int o = (y * size + x) * 3;
                rows[o] = r;
                rows[o + 1] = g;
                rows[o + 2] = b;
            }
        }
        // vertical pass, a whole row at a time: each output row is a weighted sum of contiguous rows (the same sums,
        // in the same order, as value by value, but over memory in order; value by value it was most of a worker's
        // preprocessing time)
        int rowValues = size * 3;
        byte[] out = new byte[size * rowValues];
        float[] sum = new float[rowValues];
        for (int y = 0; y < size; y++) {
            int first = kernel.first[y];
            float[] weights = kernel.weights[y];
            java.util.Arrays.fill(sum, 0);
            for (int k = 0; k < weights.length; k++) {
                float w = weights[k];
                int from = (first + k) * rowValues;
                for (int i = 0; i < rowValues; i++) {
                    sum[i] += w * rows[from + i];
                }
            }
            int to = y * rowValues;
            for (int i = 0; i < rowValues; i++) {
                out[to + i] = (byte) Math.max(0, Math.min(255, Math.round(sum[i])));
            }
        }
        return new ScaledImage(size, out);
    }

    private static byte[] centralSquare(RgbImage image, int x0, int y0, int side) {
        byte[] src = image.rgb();
        byte[] out = new byte[side * side * 3];
        int stride = image.width() * 3;
        for (int y = 0; y < side; y++) {
            System.arraycopy(src, (y0 + y) * stride + x0 * 3, out, y * side * 3, side * 3);
        }
        return out;
    }

    /** For each output index: the first source index and the normalised filter weights. */
    private record Kernel(int[] first, float[][] weights) {
        static Kernel of(int sourceSize, int targetSize) {
            double ratio = (double) sourceSize / targetSize;
            double support = Math.max(1.0, ratio);
            int[] first = new int[targetSize];
            float[][] weights = new float[targetSize][];
            for (int i = 0; i < targetSize; i++) {
                double centre = (i + 0.5) * ratio - 0.5;
                int lo = (int) Math.max(0, Math.ceil(centre - support));
                int hi = (int) Math.min(sourceSize - 1, Math.floor(centre + support));
                if (hi < lo) {
                    lo = hi = (int) Math.max(0, Math.min(sourceSize - 1, Math.round(centre)));
                }
                double[] w = new double[hi - lo + 1];
                double sum = 0;
                for (int j = lo; j <= hi; j++) {
                    double t = 1 - Math.abs(j - centre) / support;
                    w[j - lo] = Math.max(0, t);
                    sum += w[j - lo];
                }
                if (sum == 0) {
                    w = new double[] {1};
                    hi = lo;
                    sum = 1;
                }
                float[] normalised = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    normalised[k] = (float) (w[k] / sum);
                }
                first[i] = lo;
                weights[i] = normalised;
            }
            return new Kernel(first, weights);
        }
    }
}

package io.alexstream.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tier: plain unit. Shorter side to S, central S x S kept, values preserved. */
class RescalerTest {

    @Test
    void givesExactlyTheValuesOfTheFilterAppliedValueByValue() {
        java.util.Random random = new java.util.Random(5);
        // the same size (the identity), shrinking a photo, growing Fashion-MNIST, shrinking a tall image
        int[][] cases = {{320, 256, 256}, {500, 375, 256}, {28, 28, 76}, {90, 301, 64}};
        for (int[] c : cases) {
            byte[] rgb = new byte[c[0] * c[1] * 3];
            random.nextBytes(rgb);
            RgbImage image = new RgbImage(c[0], c[1], rgb);
            assertThat(Rescaler.scale(image, c[2]).rgb())
                    .as("%d x %d to %d", c[0], c[1], c[2])
                    .isEqualTo(valueByValue(image, c[2]));
        }
    }

    /**
     * The separable triangle filter written out one output value at a time: the reference the fast passes must match.
     */
    private static byte[] valueByValue(RgbImage image, int size) {
        int side = Math.min(image.width(), image.height());
        int x0 = (image.width() - side) / 2;
        int y0 = (image.height() - side) / 2;
        double ratio = (double) side / size;
        double support = Math.max(1.0, ratio);
        int[] first = new int[size];
        float[][] weights = new float[size][];
        for (int i = 0; i < size; i++) {
            double centre = (i + 0.5) * ratio - 0.5;
            int lo = (int) Math.max(0, Math.ceil(centre - support));
            int hi = (int) Math.min(side - 1, Math.floor(centre + support));
            if (hi < lo) {
                lo = hi = (int) Math.max(0, Math.min(side - 1, Math.round(centre)));
            }
            double[] w = new double[hi - lo + 1];
            double sum = 0;
            for (int j = lo; j <= hi; j++) {
                w[j - lo] = Math.max(0, 1 - Math.abs(j - centre) / support);
                sum += w[j - lo];
            }
            weights[i] = new float[w.length];
            for (int k = 0; k < w.length; k++) {
                weights[i][k] = (float) (w[k] / sum);
            }
            first[i] = lo;
        }
        float[] rows = new float[side * size * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = 0;
                    for (int k = 0; k < weights[x].length; k++) {
                        v += weights[x][k]
                                * (image.rgb()[((y0 + y) * image.width() + x0 + first[x] + k) * 3 + c] & 0xff);
                    }
                    rows[(y * size + x) * 3 + c] = v;
                }
            }
        }
        byte[] out = new byte[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = 0;
                    for (int k = 0; k < weights[y].length; k++) {
                        v += weights[y][k] * rows[((first[y] + k) * size + x) * 3 + c];
                    }
                    out[(y * size + x) * 3 + c] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
        }
        return out;
    }

    @Test
    void keepsTheCentralSquareOfAWideImage() {
        // 300 x 100: left third red=255, middle third red=100, right third red=0
        int w = 300;
        int h = 100;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[(y * w + x) * 3] = (byte) (x < 100 ? 255 : x < 200 ? 100 : 0);
            }
        }
        ScaledImage scaled = Rescaler.scale(new RgbImage(w, h, rgb), 50);
        assertThat(scaled.size()).isEqualTo(50);
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 50; x++) {
                assertThat(scaled.value(x, y, 0)).isEqualTo(100);
            }
        }
    }

    @Test
    void upscalesAConstantImageToTheSameConstant() {
        RgbImage gray = RgbImage.fromGray(28, 28, filled(28 * 28, (byte) 77));
        ScaledImage scaled = Rescaler.scale(gray, 76);
        for (byte b : scaled.rgb()) {
            assertThat(b & 0xff).isEqualTo(77);
        }
    }

    @Test
    void downscalingAveragesInsteadOfAliasing() {
        // a one-pixel checkerboard shrunk 4x must become mid-gray, not black or white
        int n = 64;
        byte[] gray = new byte[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                gray[y * n + x] = (byte) (((x + y) & 1) == 0 ? 255 : 0);
            }
        }
        ScaledImage scaled = Rescaler.scale(RgbImage.fromGray(n, n, gray), 16);
        for (int y = 2; y < 14; y++) {
            for (int x = 2; x < 14; x++) {
                assertThat(scaled.value(x, y, 1)).isBetween(110, 145);
            }
        }
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, value);
        return b;
    }
}

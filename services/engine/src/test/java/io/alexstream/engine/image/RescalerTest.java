package io.alexstream.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tier: plain unit. Shorter side to S, central S x S kept, values preserved. */
class RescalerTest {

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

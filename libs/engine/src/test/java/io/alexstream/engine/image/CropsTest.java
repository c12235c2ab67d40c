package io.alexstream.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The ten crops checked pixel by pixel on a synthetic image whose values
 * encode their own coordinates: red = x, green = y, blue = 7.
 */
class CropsTest {

    private static final int S = 20;
    private static final int C = 16;

    private static ScaledImage coordinateImage() {
        byte[] rgb = new byte[S * S * 3];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                int p = (y * S + x) * 3;
                rgb[p] = (byte) x;
                rgb[p + 1] = (byte) y;
                rgb[p + 2] = 7;
            }
        }
        return new ScaledImage(S, rgb);
    }

    @Test
    void tenCropsAreFourCornersAndCentreThenTheirMirrors() {
        float[] mean = new float[S * S * 3];
        float[] out = new float[10 * C * C * 3];
        int end = Crops.write(coordinateImage(), mean, C, Crops.Mode.TEN_CROP, out, 0);
        assertThat(end).isEqualTo(out.length);

        int far = S - C;
        int[][] origins = {{0, 0}, {far, 0}, {0, far}, {far, far}, {far / 2, far / 2}};
        for (int k = 0; k < 10; k++) {
            int[] origin = origins[k % 5];
            boolean mirrored = k >= 5;
            for (int y = 0; y < C; y++) {
                for (int x = 0; x < C; x++) {
                    int o = ((k * C + y) * C + x) * 3;
                    int expectedX = mirrored ? origin[0] + C - 1 - x : origin[0] + x;
                    assertThat(out[o]).as("crop %d pixel (%d,%d) red", k, x, y).isEqualTo(expectedX);
                    assertThat(out[o + 1])
                            .as("crop %d pixel (%d,%d) green", k, x, y)
                            .isEqualTo(origin[1] + y);
                    assertThat(out[o + 2]).isEqualTo(7f);
                }
            }
        }
    }

    @Test
    void centreModeWritesOnlyTheCentreCrop() {
        float[] out = new float[C * C * 3];
        Crops.write(coordinateImage(), new float[S * S * 3], C, Crops.Mode.CENTER, out, 0);
        assertThat(out[0]).isEqualTo(2f);
        assertThat(out[1]).isEqualTo(2f);
        int last = (C * C - 1) * 3;
        assertThat(out[last]).isEqualTo(2f + C - 1);
    }

    @Test
    void meanIsSubtractedAtTheSourcePixelAndColourShiftAdded() {
        float[] mean = new float[S * S * 3];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = i % 3 == 0 ? 0.5f * (i / 3 % S) : 0f;
        }
        float[] out = new float[C * C * 3];
        Crops.writeCrop(coordinateImage(), mean, C, 3, 1, true, new float[] {0f, 10f, -7f}, out, 0);
        // first output pixel of a mirrored crop at x=3 comes from source x = 3 + C - 1 = 18
        assertThat(out[0]).isEqualTo(18f - 9f);
        assertThat(out[1]).isEqualTo(1f + 10f);
        assertThat(out[2]).isEqualTo(0f);
    }

    @Test
    void originsMatchThePaperLayout() {
        assertThat(Crops.origin(Crops.Position.CENTER, 256, 227)).containsExactly(14, 14);
        assertThat(Crops.origin(Crops.Position.BOTTOM_RIGHT, 256, 227)).containsExactly(29, 29);
        assertThat(Crops.origin(Crops.Position.TOP_RIGHT, 256, 227)).containsExactly(29, 0);
    }
}

package io.alexstream.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.alexstream.engine.image.ScaledImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. The eigen-decomposition and the shift's distribution. */
class PcaColourAugmentationTest {

    @Test
    void decomposesAKnownCovariance() {
        double[][] covariance = {{2, 1, 0}, {1, 2, 0}, {0, 0, 0.5}};
        PcaColourAugmentation pca = PcaColourAugmentation.fromCovariance(covariance);
        double[] values = pca.eigenvalues();
        java.util.Arrays.sort(values);
        assertThat(values[0]).isCloseTo(0.5, offset(1e-9));
        assertThat(values[1]).isCloseTo(1.0, offset(1e-9));
        assertThat(values[2]).isCloseTo(3.0, offset(1e-9));
        for (int i = 0; i < 3; i++) {
            double[] v = pca.eigenvector(i);
            double lambda = pca.eigenvalues()[i];
            for (int r = 0; r < 3; r++) {
                double av = covariance[r][0] * v[0] + covariance[r][1] * v[1] + covariance[r][2] * v[2];
                assertThat(av).isCloseTo(lambda * v[r], offset(1e-9));
            }
        }
    }

    @Test
    void grayImagesGiveABrightnessOnlyShift() {
        Random random = new Random(3);
        byte[] rgb = new byte[8 * 8 * 3];
        for (int p = 0; p < rgb.length; p += 3) {
            byte g = (byte) random.nextInt(256);
            rgb[p] = rgb[p + 1] = rgb[p + 2] = g;
        }
        PcaColourAugmentation pca = PcaColourAugmentation.fit(List.of(new ScaledImage(8, rgb)));
        float[] shift = pca.sampleShift(new Random(1));
        assertThat(shift[0]).isCloseTo(shift[1], offset(1e-3f)).isCloseTo(shift[2], offset(1e-3f));
    }

    @Test
    void shiftFollowsAlphaTimesEigenvalueAlongEachComponent() {
        double[][] covariance = {{0.04, 0, 0}, {0, 0.01, 0}, {0, 0, 0.0025}};
        PcaColourAugmentation pca = PcaColourAugmentation.fromCovariance(covariance);
        Random random = new Random(5);
        double sumSquares = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            float red = pca.sampleShift(random)[0];
            sumSquares += red * red;
        }
        // red shift = 255 * a * 0.04 with a ~ N(0, 0.1): standard deviation 1.02
        assertThat(Math.sqrt(sumSquares / n)).isCloseTo(255 * 0.1 * 0.04, offset(0.05));
    }
}

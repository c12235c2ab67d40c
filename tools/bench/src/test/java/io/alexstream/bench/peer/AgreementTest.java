package io.alexstream.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tier: unit. The difference is relative to each crop's own top probability; top-1 is compared per crop. */
class AgreementTest {

    @Test
    void theWorstCropCountsRelativeToItsTopProbability() {
        float[] a = {0.5f, 0.3f, 0.2f, 0.010f, 0.002f, 0.988f};
        float[] b = {0.5f, 0.2f, 0.3f, 0.010f, 0.002f, 0.988f};
        Agreement agreement = Agreement.of(a, b, 3);
        assertThat(agreement.maxRelative()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(agreement.top1()).isEqualTo(1.0);
    }

    @Test
    void aDifferentTopClassHalvesTheAgreementOfTwoCrops() {
        float[] a = {0.4f, 0.6f, 0.9f, 0.1f};
        float[] b = {0.6f, 0.4f, 0.9f, 0.1f};
        assertThat(Agreement.of(a, b, 2).top1()).isEqualTo(0.5);
    }

    @Test
    void differentShapesAreRefused() {
        assertThatThrownBy(() -> Agreement.of(new float[4], new float[6], 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

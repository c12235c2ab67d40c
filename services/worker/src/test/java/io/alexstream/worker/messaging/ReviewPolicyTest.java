package io.alexstream.worker.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.Prediction;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. Which predictions go to review and under which reason: a top-1 probability below the threshold
 * ({@code low_top1}, named first when both hold), a ten-crop disagreement at or above its threshold
 * ({@code crop_disagreement}), never a single crop's disagreement, nothing when review is off.
 */
class ReviewPolicyTest {

    private final ReviewPolicy policy = new ReviewPolicy(true, 0.5, 0.5);

    @Test
    void aConfidentAgreedPredictionStaysOut() {
        assertThat(policy.reason(prediction(0.9f, 10, 0.1f))).isEmpty();
        assertThat(policy.reason(prediction(0.5f, 10, 0.4f)))
                .as("exactly at the top-1 threshold")
                .isEmpty();
    }

    @Test
    void aLowTop1GoesToReview() {
        assertThat(policy.reason(prediction(0.49f, 10, 0f))).isEqualTo(Optional.of("low_top1"));
        assertThat(policy.reason(prediction(0.2f, 1, 0f))).as("one crop too").isEqualTo(Optional.of("low_top1"));
        assertThat(policy.reason(Prediction.newBuilder().setCropsUsed(10).build()))
                .as("no classes at all")
                .isEqualTo(Optional.of("low_top1"));
    }

    @Test
    void tenCropsThatDisagreeGoToReviewEvenWhenTheAverageIsConfident() {
        assertThat(policy.reason(prediction(0.9f, 10, 0.5f))).isEqualTo(Optional.of("crop_disagreement"));
        assertThat(policy.reason(prediction(0.9f, 10, 0.8f))).isEqualTo(Optional.of("crop_disagreement"));
    }

    @Test
    void bothReasonsCountOnceAsLowTop1() {
        assertThat(policy.reason(prediction(0.3f, 10, 0.9f))).isEqualTo(Optional.of("low_top1"));
    }

    @Test
    void oneCropHasNoDisagreementToGoBy() {
        assertThat(new ReviewPolicy(true, 0.5, 0.0).reason(prediction(0.9f, 1, 0f)))
                .isEmpty();
    }

    @Test
    void thresholdsForceEverythingOrNothing() {
        assertThat(new ReviewPolicy(true, 1.01, 2).reason(prediction(1f, 10, 0f)))
                .isEqualTo(Optional.of("low_top1"));
        assertThat(new ReviewPolicy(true, 0, 2).reason(prediction(0f, 10, 1f))).isEmpty();
    }

    @Test
    void offMeansNothingGoesToReview() {
        assertThat(new ReviewPolicy(false, 1.01, 0).reason(prediction(0.1f, 10, 1f)))
                .isEmpty();
    }

    private static Prediction prediction(float top1, int crops, float disagreement) {
        return Prediction.newBuilder()
                .setImageId("img-1")
                .addTop(ClassScore.newBuilder().setIndex(3).setName("cat").setProbability(top1))
                .setCropsUsed(crops)
                .setCropDisagreement(disagreement)
                .build();
    }
}

package io.alexstream.worker.messaging;

import io.alexstream.proto.v1.Prediction;
import io.alexstream.worker.metrics.WorkerMetrics;
import java.util.Optional;

/**
 * Which predictions a person should label: those whose top-1 probability is below {@code maxTop1Probability}
 * ({@link #LOW_TOP1}) and ten-crop ones whose crop disagreement is at least {@code minCropDisagreement}
 * ({@link #CROP_DISAGREEMENT}). A prediction matching both is named by the first, so it is counted once. Pure: the
 * rate limit and the copy are {@link ReviewRouter}'s.
 */
record ReviewPolicy(boolean enabled, double maxTop1Probability, double minCropDisagreement) {

    static final String LOW_TOP1 = WorkerMetrics.REVIEW_LOW_TOP1;
    static final String CROP_DISAGREEMENT = WorkerMetrics.REVIEW_CROP_DISAGREEMENT;

    /** Why this prediction goes to review, or empty when it does not. */
    Optional<String> reason(Prediction prediction) {
        if (!enabled) {
            return Optional.empty();
        }
        // no classes at all (top-k of 0) is no confidence either
        if (prediction.getTopCount() == 0 || prediction.getTop(0).getProbability() < maxTop1Probability) {
            return Optional.of(LOW_TOP1);
        }
        // one crop has nothing to disagree with: its 0 says nothing
        if (prediction.getCropsUsed() > 1 && prediction.getCropDisagreement() >= minCropDisagreement) {
            return Optional.of(CROP_DISAGREEMENT);
        }
        return Optional.empty();
    }
}

package io.alexstream.worker.messaging;

import io.alexstream.contracts.Headers;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Decides, for each prediction from Kafka, whether its image also goes to the review topic
 * ({@link Channels#REVIEW_OUT}) for a person to label ({@link ReviewPolicy}), and builds that copy. At most
 * {@code alexstream.worker.review.max-per-second} copies a second leave this worker ({@link TokenBucket}); the others,
 * and a copy larger than the review producers may send, are skipped and counted, never delayed: the prediction goes
 * out as it would without review. The copy travels in the prediction's {@link Answer}, so it is delivered with it.
 */
@ApplicationScoped
public class ReviewRouter {

    /** The review producers' {@code max.request.size}: the ingest's limit for a 20 MiB image and its headers. */
    static final int MAX_RECORD_BYTES = 20_972_544;

    private static final int MAX_CONTENT_TYPE_CHARS = 255;

    private final ReviewPolicy policy;
    private final TokenBucket bucket;
    private final WorkerMetrics metrics;

    public ReviewRouter(WorkerConfig config, WorkerMetrics metrics) {
        // a shadow worker's images are routed by the serving worker that answered them: never twice
        this.policy = new ReviewPolicy(
                config.reviewEnabled() && !config.shadow(),
                config.reviewMaxTop1Probability(),
                config.reviewMinCropDisagreement());
        this.bucket = new TokenBucket(config.reviewMaxPerSecond(), System::nanoTime);
        this.metrics = metrics;
    }

    /**
     * The review copy of this prediction's image, or null when it needs none or was skipped.
     *
     * @param id the image id, the copy's key
     * @param source the headers of the record the image came from (its content type is copied)
     * @param image the record's value, copied as it came
     * @param correlationId the source's, bounded, or null
     * @param json the prediction as published on the predictions topic
     */
    ReviewCopy copy(
            String id,
            org.apache.kafka.common.header.Headers source,
            byte[] image,
            String correlationId,
            Prediction prediction,
            String json) {
        Optional<String> reason = policy.reason(prediction);
        if (reason.isEmpty()) {
            return null;
        }
        String contentType = RecordIds.text(source, Headers.CONTENT_TYPE);
        // a content type is short; anything longer is not one, and a hash of it would help nobody
        if (contentType != null && contentType.length() > MAX_CONTENT_TYPE_CHARS) {
            contentType = null;
        }
        ReviewCopy copy = new ReviewCopy(id, image, contentType, correlationId, json);
        // measured before a token is spent: a copy that can never be sent would only waste one
        if (copy.sizeUpperBound() > MAX_RECORD_BYTES) {
            metrics.reviewSkipped(WorkerMetrics.REVIEW_TOO_LARGE);
            return null;
        }
        if (!bucket.tryTake()) {
            metrics.reviewSkipped(WorkerMetrics.REVIEW_RATE_LIMIT);
            return null;
        }
        metrics.reviewRouted(reason.get());
        return copy;
    }
}

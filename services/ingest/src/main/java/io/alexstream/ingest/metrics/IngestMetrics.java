package io.alexstream.ingest.metrics;

import io.alexstream.contracts.Topics;
import io.alexstream.engine.image.ImageRejectedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What ingest tells Prometheus: {@code alexstream_ingest_images_accepted_total{topic}},
 * {@code alexstream_ingest_images_rejected_total{reason}} (one per refused request, by the
 * problem body's reason), {@code alexstream_ingest_received_bytes_total{topic}} and
 * {@code alexstream_ingest_publish_duration_seconds} (from send to the broker's acknowledgement of an
 * image); for late labels {@code alexstream_ingest_labels_accepted_total} (labels acknowledged and
 * answered 202) and {@code alexstream_ingest_labels_rejected_total{reason}} (one per refused
 * {@code POST /v1/labels} request).
 */
@ApplicationScoped
public class IngestMetrics {

    /** The logical topics, as the 202 body names them. */
    public static final List<String> TOPICS = List.of(Topics.IMAGES, Topics.LABELED);
    /** Refusals of the request itself rather than of an image's bytes. */
    public static final List<String> REQUEST_REASONS = List.of(
            "UNSUPPORTED_CONTENT_TYPE",
            "TOO_MANY_FILES",
            "PUBLISH_FAILED",
            "UNAUTHENTICATED",
            "PERMISSION_DENIED",
            "MALFORMED_REQUEST",
            "INTERNAL");
    /** Refusals of a {@code POST /v1/labels} request. */
    public static final List<String> LABEL_REASONS = List.of(
            "MALFORMED_REQUEST",
            "EMPTY",
            "TOO_MANY_LABELS",
            "BAD_ID",
            "BAD_LABEL",
            "UNSUPPORTED_CONTENT_TYPE",
            "PUBLISH_FAILED",
            "UNAUTHENTICATED",
            "PERMISSION_DENIED",
            "BUSY",
            "INTERNAL");

    private final MeterRegistry registry;
    private final Timer publishDuration;
    private final Map<String, Counter> acceptedByTopic = new ConcurrentHashMap<>();
    private final Map<String, Counter> bytesByTopic = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejectedByReason = new ConcurrentHashMap<>();
    private final Counter labelsAccepted;
    private final Map<String, Counter> labelsRejectedByReason = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.publishDuration = Timer.builder("alexstream.ingest.publish.duration")
                .description("Time from handing an image to the producer until the broker acknowledged it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        // series exist at 0 from the start: rate() cannot see the first increase of a series born at 1
        for (String topic : TOPICS) {
            acceptedCounter(topic);
            bytesCounter(topic);
        }
        for (ImageRejectedException.Reason reason : ImageRejectedException.Reason.values()) {
            rejectedCounter(reason.name());
        }
        for (String reason : REQUEST_REASONS) {
            rejectedCounter(reason);
        }
        this.labelsAccepted = Counter.builder("alexstream.ingest.labels.accepted")
                .description("Late labels acknowledged by the broker and answered 202")
                .register(registry);
        for (String reason : LABEL_REASONS) {
            labelsRejectedCounter(reason);
        }
    }

    private Counter acceptedCounter(String topic) {
        return acceptedByTopic.computeIfAbsent(
                topic,
                t -> Counter.builder("alexstream.ingest.images.accepted")
                        .description("Images acknowledged by the broker and answered 202")
                        .tag("topic", t)
                        .register(registry));
    }

    private Counter bytesCounter(String topic) {
        return bytesByTopic.computeIfAbsent(
                topic,
                t -> Counter.builder("alexstream.ingest.received.bytes")
                        .description("Encoded image bytes published")
                        .baseUnit("bytes")
                        .tag("topic", t)
                        .register(registry));
    }

    private Counter rejectedCounter(String reason) {
        return rejectedByReason.computeIfAbsent(
                reason,
                r -> Counter.builder("alexstream.ingest.images.rejected")
                        .description("Requests refused with a problem body, by reason")
                        .tag("reason", r)
                        .register(registry));
    }

    private Counter labelsRejectedCounter(String reason) {
        return labelsRejectedByReason.computeIfAbsent(
                reason,
                r -> Counter.builder("alexstream.ingest.labels.rejected")
                        .description("POST /v1/labels requests refused with a problem body, by reason")
                        .tag("reason", r)
                        .register(registry));
    }

    public void accepted(String topic, long bytes) {
        acceptedCounter(topic).increment();
        bytesCounter(topic).increment(bytes);
    }

    public void rejected(String reason) {
        rejectedCounter(reason == null ? "UNKNOWN" : reason).increment();
    }

    public void labelsAccepted(int labels) {
        labelsAccepted.increment(labels);
    }

    public void labelsRejected(String reason) {
        labelsRejectedCounter(reason == null ? "UNKNOWN" : reason).increment();
    }

    public void published(long nanos) {
        publishDuration.record(Duration.ofNanos(nanos));
    }
}

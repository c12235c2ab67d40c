package io.alexstream.worker.metrics;

import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.worker.config.WorkerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What a worker tells Prometheus about the images it answers, on both paths (Kafka and gRPC):
 * {@code alexstream_worker_images_classified_total{source}}, {@code alexstream_worker_crops_total}
 * (its rate is crops per second), {@code alexstream_worker_queue_wait_seconds},
 * {@code alexstream_worker_preprocess_duration_seconds}, {@code alexstream_worker_inference_duration_seconds}
 * (the session run that answered the image, with histogram buckets for p99 alerts),
 * {@code alexstream_worker_dead_letters_total{reason}}, {@code alexstream_worker_batch_size} (images per
 * session run, the dynamic batcher's effect), {@code alexstream_worker_model_version} and
 * {@code alexstream_worker_model_info{version}} (1 for the version served),
 * {@code alexstream_worker_device_info{device="cpu"|"gpu:N", precision="fp32"|"bf16"}},
 * and the images copied to the review topic
 * {@code alexstream_worker_review_routed_total{reason="low_top1"|"crop_disagreement"}} or not copied although
 * uncertain {@code alexstream_worker_review_skipped_total{reason="rate_limit"|"too_large"|"refused"}}. Every
 * series carries the worker id, so dashboards can tell workers apart when they share a scrape job.
 */
@ApplicationScoped
public class WorkerMetrics {

    /**
     * Where an answered image came from: the transport ({@code source}: kafka, grpc, http) and the protocol spoken
     * over it ({@code protocol}: alexstream's own, or oip, the Open Inference Protocol).
     */
    public enum Source {
        KAFKA("kafka", "alexstream"),
        GRPC("grpc", "alexstream"),
        OIP_GRPC("grpc", "oip"),
        OIP_HTTP("http", "oip");

        private final String transport;
        private final String protocol;

        Source(String transport, String protocol) {
            this.transport = transport;
            this.protocol = protocol;
        }
    }

    public static final Source SOURCE_KAFKA = Source.KAFKA;
    public static final Source SOURCE_GRPC = Source.GRPC;
    /** Dead-letter reason when the session run itself failed (the image was fine). */
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";
    /** Dead-letter reason for anything else that went wrong with one record (its handling threw). */
    public static final String INTERNAL = "INTERNAL";

    /** Review reason: the top-1 probability is below the threshold. */
    public static final String REVIEW_LOW_TOP1 = "low_top1";
    /** Review reason: too many of the ten crops had another best class. */
    public static final String REVIEW_CROP_DISAGREEMENT = "crop_disagreement";
    /** Review skipped: over the per-worker rate. */
    public static final String REVIEW_RATE_LIMIT = "rate_limit";
    /** Review skipped: the image and its headers exceed what the review producers may send. */
    public static final String REVIEW_TOO_LARGE = "too_large";
    /** Review skipped: the broker refused the copy for good (at-least-once; the prediction still went out). */
    public static final String REVIEW_REFUSED = "refused";

    private final MeterRegistry registry;
    private final Tags worker;
    private final Timer queueWait;
    private final Timer preprocess;
    private final Timer inference;
    private final Counter crops;
    private final MultiGauge modelInfo;
    private final DistributionSummary batchSizes;
    private final Counter publishRetries;
    private final Map<Source, Counter> classifiedBySource = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettersByReason = new ConcurrentHashMap<>();
    private final Map<String, Counter> reviewRoutedByReason = new ConcurrentHashMap<>();
    private final Map<String, Counter> reviewSkippedByReason = new ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry, WorkerConfig config) {
        this.registry = registry;
        this.worker = Tags.of("worker", config.id());
        this.queueWait = latency("alexstream.worker.queue.wait", "Time an image waited for its session run");
        this.preprocess = latency("alexstream.worker.preprocess.duration", "Decode, checks and rescale of one image");
        this.inference = latency(
                "alexstream.worker.inference.duration", "The session run that answered an image (all its crops)");
        this.crops = Counter.builder("alexstream.worker.crops")
                .description("Crops classified")
                .tags(worker)
                .register(registry);
        this.modelInfo = MultiGauge.builder("alexstream.worker.model.info")
                .description("1 for the model version this worker serves")
                .tags(worker)
                .register(registry);
        this.batchSizes = DistributionSummary.builder("alexstream.worker.batch.size")
                .tags(worker)
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        // counters exist at 0 from the start: rate() cannot see the first increase of a series born at 1
        for (Source source : Source.values()) {
            classifiedCounter(source);
        }
        for (ImageRejectedException.Reason reason : ImageRejectedException.Reason.values()) {
            deadLetterCounter(reason.name());
        }
        deadLetterCounter(INFERENCE_FAILED);
        deadLetterCounter(INTERNAL);
        for (String reason : List.of(REVIEW_LOW_TOP1, REVIEW_CROP_DISAGREEMENT)) {
            reviewRouted(reason, 0);
        }
        for (String reason : List.of(REVIEW_RATE_LIMIT, REVIEW_TOO_LARGE, REVIEW_REFUSED)) {
            reviewSkipped(reason, 0);
        }
        this.publishRetries = Counter.builder("alexstream.worker.publish.retries")
                .description("Predictions and dead letters sent again after the broker did not acknowledge them")
                .tags(worker)
                .register(registry);
    }

    public void publishRetried() {
        publishRetries.increment();
    }

    /**
     * Age of the oldest image from Kafka still unanswered: it grows through a broker outage and falls when it heals.
     */
    public void exportOldestUnanswered(java.util.function.DoubleSupplier seconds) {
        Gauge.builder(
                        "alexstream.worker.kafka.oldest.unanswered",
                        seconds,
                        java.util.function.DoubleSupplier::getAsDouble)
                .baseUnit("seconds")
                .tags(worker)
                .strongReference(true)
                .register(registry);
    }

    private Counter classifiedCounter(Source source) {
        return classifiedBySource.computeIfAbsent(
                source,
                s -> Counter.builder("alexstream.worker.images.classified")
                        .description("Images answered with a prediction")
                        .tags(worker)
                        .tag("source", s.transport)
                        .tag("protocol", s.protocol)
                        .register(registry));
    }

    private Counter deadLetterCounter(String reason) {
        return deadLettersByReason.computeIfAbsent(
                reason,
                r -> Counter.builder("alexstream.worker.dead.letters")
                        .description("Records sent to the dead-letter topic, by reason")
                        .tags(worker)
                        .tag("reason", r)
                        .register(registry));
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name)
                .description(description)
                .tags(worker)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    public void classified(Source source, DynamicBatcher.Timed timed, double preprocessSeconds) {
        classifiedCounter(source).increment();
        crops.increment(timed.prediction().cropsUsed());
        queueWait.record(seconds(timed.queueSeconds()));
        preprocess.record(seconds(preprocessSeconds));
        inference.record(seconds(timed.inferenceSeconds()));
    }

    public void deadLettered(String reason) {
        deadLetterCounter(reason).increment();
    }

    /** An image copied to the review topic, for the given reason. */
    public void reviewRouted(String reason) {
        reviewRouted(reason, 1);
    }

    /** An uncertain image not copied to the review topic, for the given reason. */
    public void reviewSkipped(String reason) {
        reviewSkipped(reason, 1);
    }

    private void reviewRouted(String reason, double count) {
        reviewRoutedByReason
                .computeIfAbsent(
                        reason,
                        r -> Counter.builder("alexstream.worker.review.routed")
                                .description("Predictions from Kafka copied with their image to the review topic")
                                .tags(worker)
                                .tag("reason", r)
                                .register(registry))
                .increment(count);
    }

    private void reviewSkipped(String reason, double count) {
        reviewSkippedByReason
                .computeIfAbsent(
                        reason,
                        r -> Counter.builder("alexstream.worker.review.skipped")
                                .description("Uncertain predictions not copied to the review topic, by reason")
                                .tags(worker)
                                .tag("reason", r)
                                .register(registry))
                .increment(count);
    }

    public void batchRun(int images) {
        batchSizes.record(images);
    }

    /** The device the session really uses, as {@code Placement} found it. */
    public void runsOn(String device, String precision) {
        Gauge.builder("alexstream.worker.device.info", () -> 1)
                .tags(worker)
                .tag("device", device)
                .tag("precision", precision)
                .strongReference(true)
                .register(registry);
    }

    /** The batcher's run size between its explorations: the configured maximum, or the size it found fastest. */
    public void exportBatchLimit(IntSupplier servedLimit) {
        Gauge.builder("alexstream.worker.batch.limit", servedLimit, IntSupplier::getAsInt)
                .tags(worker)
                .strongReference(true)
                .register(registry);
    }

    /** The version the model service serves, -1 before any. */
    public void exportServedVersion(AtomicLong servedVersion) {
        Gauge.builder("alexstream.worker.model.version", servedVersion, AtomicLong::doubleValue)
                .tags(worker)
                .strongReference(true)
                .register(registry);
    }

    public void serving(long version) {
        modelInfo.register(List.of(MultiGauge.Row.of(Tags.of("version", Long.toString(version)), 1)), true);
    }

    private static Duration seconds(double seconds) {
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}

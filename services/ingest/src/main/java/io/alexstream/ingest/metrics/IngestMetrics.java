package io.alexstream.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * What ingest tells Prometheus: {@code alexstream_ingest_images_accepted_total{topic}},
 * {@code alexstream_ingest_images_rejected_total{reason}} (one per refused request, by the
 * problem body's reason), {@code alexstream_ingest_received_bytes_total{topic}} and
 * {@code alexstream_ingest_publish_duration_seconds} (from send to the broker's acknowledgement).
 */
@ApplicationScoped
public class IngestMetrics {

    private final MeterRegistry registry;
    private final Timer publishDuration;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.publishDuration = Timer.builder("alexstream.ingest.publish.duration")
                .description("Time from handing an image to the producer until the broker acknowledged it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    public void accepted(String topic, long bytes) {
        Counter.builder("alexstream.ingest.images.accepted")
                .description("Images acknowledged by the broker and answered 202")
                .tag("topic", topic)
                .register(registry)
                .increment();
        Counter.builder("alexstream.ingest.received.bytes")
                .description("Encoded image bytes published")
                .baseUnit("bytes")
                .tag("topic", topic)
                .register(registry)
                .increment(bytes);
    }

    public void rejected(String reason) {
        Counter.builder("alexstream.ingest.images.rejected")
                .description("Requests refused with a problem body, by reason")
                .tag("reason", reason == null ? "UNKNOWN" : reason)
                .register(registry)
                .increment();
    }

    public void published(long nanos) {
        publishDuration.record(Duration.ofNanos(nanos));
    }
}

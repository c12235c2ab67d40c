package io.alexstream.ingest.messaging;

import io.alexstream.contracts.Headers;
import io.alexstream.ingest.metrics.IngestMetrics;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes an accepted image to the images topic ({@link Channels#IMAGES_CHANNEL}) or, when it
 * carries a label, to the labeled images topic ({@link Channels#LABELED_CHANNEL}); keyed by the
 * image id. The returned stage completes only when the broker acknowledged the record
 * (acks=all, idempotent producer), so a 202 never precedes durability.
 */
@ApplicationScoped
public class ImagePublisher {

    /** What travels with the bytes. */
    public record Envelope(String imageId, String contentType, String label, String source, String correlationId) {}

    private final Emitter<byte[]> images;
    private final Emitter<byte[]> labeled;
    private final IngestMetrics metrics;

    public ImagePublisher(
            @Channel(Channels.IMAGES_CHANNEL) Emitter<byte[]> images,
            @Channel(Channels.LABELED_CHANNEL) Emitter<byte[]> labeled,
            IngestMetrics metrics) {
        this.images = images;
        this.labeled = labeled;
        this.metrics = metrics;
    }

    public CompletionStage<Void> publish(Envelope envelope, byte[] image) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, Headers.IMAGE_ID, envelope.imageId());
        add(headers, Headers.CONTENT_TYPE, envelope.contentType());
        add(headers, Headers.LABEL, envelope.label());
        add(headers, Headers.SOURCE, envelope.source());
        add(headers, Headers.CORRELATION_ID, envelope.correlationId());
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(envelope.imageId())
                .withHeaders(headers)
                .build();
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        long started = System.nanoTime();
        Message<byte[]> message = Message.of(image)
                .addMetadata(metadata)
                .withAck(() -> {
                    metrics.published(System.nanoTime() - started);
                    acknowledged.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acknowledged.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        (envelope.label() == null ? images : labeled).send(message);
        return acknowledged;
    }

    private static void add(RecordHeaders headers, String name, String value) {
        if (value != null && !value.isBlank()) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}

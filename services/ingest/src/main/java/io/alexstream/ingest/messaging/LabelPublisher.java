package io.alexstream.ingest.messaging;

import io.alexstream.contracts.Headers;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Publishes a late label on {@link Channels#LABELS_CHANNEL} (topic {@code labels}): key = image id,
 * headers {@code image-id} and {@code label}, an empty value. The returned stage completes only
 * when the broker acknowledged the record (acks=all, idempotent producer), so a 202 never precedes
 * durability.
 */
@ApplicationScoped
public class LabelPublisher {

    /** A label for an image classified before: its id and a class index or class name, both trimmed. */
    public record LateLabel(String imageId, String label) {}

    private static final byte[] EMPTY = new byte[0];

    private final Emitter<byte[]> labels;
    /**
     * A request sends up to {@code max-labels-per-request} records at once, more than the emitter's default buffer;
     * records held stay bounded all the same, by the labels per request and the upload budget's requests in flight.
     */
    public LabelPublisher(
            @Channel(Channels.LABELS_CHANNEL) @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
                    Emitter<byte[]> labels) {
        this.labels = labels;
    }

    public CompletionStage<Void> publish(LateLabel label) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.IMAGE_ID, label.imageId().getBytes(StandardCharsets.UTF_8));
        headers.add(Headers.LABEL, label.label().getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(label.imageId())
                .withHeaders(headers)
                .build();
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        Message<byte[]> message = Message.of(EMPTY)
                .addMetadata(metadata)
                .withAck(() -> {
                    acknowledged.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acknowledged.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        labels.send(message);
        return acknowledged;
    }
}

package io.alexstream.worker.messaging;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Sends a record through an emitter and completes once the broker acknowledged it. A failure
 * the broker may get over (it is down, a timeout, a full emitter buffer) is retried with
 * back-off for as long as it takes, so an outage of any length delays answers but never drops
 * them or closes the consumer; a failure that no retry can fix (a record too large, a
 * serialization error) completes exceptionally for the caller to dead-letter.
 */
final class RetryingSender {

    private static final Logger LOG = Logger.getLogger(RetryingSender.class);
    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 30_000;

    private final Runnable onRetry;

    RetryingSender(Runnable onRetry) {
        this.onRetry = onRetry;
    }

    <T> CompletableFuture<Void> send(
            Emitter<T> emitter, Supplier<T> value, String key, Supplier<RecordHeaders> headers) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(emitter, value, key, headers, done, FIRST_BACKOFF_MILLIS);
        return done;
    }

    private <T> void attempt(
            Emitter<T> emitter,
            Supplier<T> value,
            String key,
            Supplier<RecordHeaders> headers,
            CompletableFuture<Void> done,
            long backoff) {
        once(emitter, value.get(), key, headers.get()).whenComplete((ok, failure) -> {
            if (failure == null) {
                done.complete(null);
                return;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!retriable(cause)) {
                done.completeExceptionally(cause);
                return;
            }
            onRetry.run();
            LOG.warnf("record %s not acknowledged (%s); retrying in %d ms", key, cause.toString(), backoff);
            Executor later = CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS);
            later.execute(() -> attempt(emitter, value, key, headers, done, Math.min(MAX_BACKOFF_MILLIS, backoff * 2)));
        });
    }

    /** Only the broker's own verdicts that retrying cannot change are final. */
    static boolean retriable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RetriableException) {
                return true;
            }
            if (t instanceof ApiException) {
                return false;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return true;
    }

    private static <T> CompletableFuture<Void> once(Emitter<T> emitter, T value, String key, RecordHeaders headers) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(headers)
                .build();
        try {
            emitter.send(Message.of(value)
                    .addMetadata(metadata)
                    .withAck(() -> {
                        acknowledged.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(failure -> {
                        acknowledged.completeExceptionally(failure);
                        return CompletableFuture.completedFuture(null);
                    }));
        } catch (RuntimeException e) {
            // a full emitter buffer, or a sink not yet connected: retried like a broker that is away
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }
}

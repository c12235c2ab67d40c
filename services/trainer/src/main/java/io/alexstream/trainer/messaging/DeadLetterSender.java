package io.alexstream.trainer.messaging;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Writes dead letters to {@link Channels#LABELED_DEAD_LETTERS_OUT} and completes each one's
 * future only when the broker acknowledged it. A dead letter the broker refused (it is down, say)
 * is sent again after a back-off that doubles up to a ceiling, for as long as it takes: a nacked
 * batch would close the labeled consumer for good (failure-strategy=fail), and waiting holds only
 * that batch's offsets back. The futures fail only when the trainer stops.
 */
@ApplicationScoped
public class DeadLetterSender {

    private static final Logger LOG = Logger.getLogger(DeadLetterSender.class);

    private final Emitter<byte[]> emitter;
    private final long firstBackoffMillis;
    private final long maxBackoffMillis;
    private final ScheduledExecutorService retries;
    /** Sent and not acknowledged yet: failed when the trainer stops, so no batch waits on a retry that will not run. */
    private final Set<CompletableFuture<Void>> waiting = ConcurrentHashMap.newKeySet();

    private volatile boolean stopping;

    @Inject
    public DeadLetterSender(
            // a poll's dead letters (max.poll.records, 500) are all sent before the first is acknowledged
            @Channel(Channels.LABELED_DEAD_LETTERS_OUT)
                    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
                    Emitter<byte[]> emitter) {
        this(emitter, 250, 30_000);
    }

    DeadLetterSender(Emitter<byte[]> emitter, long firstBackoffMillis, long maxBackoffMillis) {
        this.emitter = emitter;
        this.firstBackoffMillis = firstBackoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
        this.retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "labeled-dead-letter-retries");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Completes once the broker acknowledged the dead letter. */
    public CompletableFuture<Void> send(DeadLetter letter) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        waiting.add(acknowledged);
        acknowledged.whenComplete((done, failure) -> waiting.remove(acknowledged));
        attempt(letter, acknowledged, 1, firstBackoffMillis);
        return acknowledged;
    }

    private void attempt(DeadLetter letter, CompletableFuture<Void> acknowledged, int attempt, long backoffMillis) {
        if (stopping) {
            acknowledged.completeExceptionally(stopping(letter.key()));
            return;
        }
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(letter.key())
                .withHeaders(letter.headers())
                .build();
        try {
            emitter.send(Message.of(letter.value())
                    .addMetadata(metadata)
                    .withAck(() -> {
                        acknowledged.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(failure -> {
                        retry(letter, acknowledged, attempt, backoffMillis, failure);
                        return CompletableFuture.completedFuture(null);
                    }));
        } catch (RuntimeException e) {
            // the emitter's buffer is full or its channel is not ready: the same wait as for a refusal
            retry(letter, acknowledged, attempt, backoffMillis, e);
        }
    }

    private void retry(
            DeadLetter letter,
            CompletableFuture<Void> acknowledged,
            int attempt,
            long backoffMillis,
            Throwable failure) {
        // attempts 1, 2, 4, 8...: an outage of hours writes tens of lines per dead letter, not thousands
        if (Integer.bitCount(attempt) == 1) {
            LOG.warnf(
                    "dead letter for %s not acknowledged (attempt %d), sending it again in %d ms: %s",
                    letter.key(), attempt, backoffMillis, failure);
        }
        try {
            retries.schedule(
                    () -> attempt(letter, acknowledged, attempt + 1, Math.min(backoffMillis * 2, maxBackoffMillis)),
                    backoffMillis,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            acknowledged.completeExceptionally(stopping(letter.key()));
        }
    }

    private static IllegalStateException stopping(String key) {
        return new IllegalStateException("the trainer is stopping; the dead letter for " + key
                + " was not acknowledged, and its record will be read again");
    }

    @PreDestroy
    void stop() {
        stopping = true;
        retries.shutdownNow();
        waiting.forEach(acknowledged -> acknowledged.completeExceptionally(stopping("a labeled record")));
    }
}

package io.alexstream.worker.messaging;

import io.alexstream.worker.inference.ServingModel;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Watches the images consumer from outside, for any cause we have not foreseen: when records
 * wait in Kafka (the consumer's own lag) while nothing is in flight and nothing new arrives for
 * {@link #STALLED_AFTER}, {@link #stalled} turns liveness DOWN and the supervisor restarts the
 * worker; the records are read again from the committed offsets. A stalled pipeline once
 * looked exactly like this (a poll larger than the in-flight permits waiting on itself).
 */
@ApplicationScoped
public class ConsumerStallGuard {

    private static final Logger LOG = Logger.getLogger(ConsumerStallGuard.class);
    static final Duration CHECK_EVERY = Duration.ofSeconds(5);
    /** Records waiting this long with nothing consumed: only a restart helps. */
    static final Duration STALLED_AFTER = Duration.ofMinutes(3);

    private final KafkaClientService clients;
    private final ImageConsumer consumer;
    private final ServingModel models;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "consumer-stall-guard");
        thread.setDaemon(true);
        return thread;
    });
    private volatile long waitingSince;
    private volatile long lastConsumed;

    public ConsumerStallGuard(KafkaClientService clients, ImageConsumer consumer, ServingModel models) {
        this.clients = clients;
        this.consumer = consumer;
        this.models = models;
    }

    void onStart(@Observes StartupEvent event) {
        timer.scheduleWithFixedDelay(
                this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    /** What the polling thread sees: partitions, paused ones, and whether any has records waiting. */
    private record Snapshot(Set<TopicPartition> assigned, Set<TopicPartition> paused, boolean recordsWaiting) {}

    private void check() {
        try {
            if (!models.ready()) {
                return;
            }
            KafkaConsumer<Object, Object> kafka = clients.getConsumer(Channels.IMAGES_IN);
            if (kafka == null) {
                return;
            }
            long consumedNow = consumer.recordsReceived();
            long now = System.nanoTime();
            if (consumedNow != lastConsumed) {
                lastConsumed = consumedNow;
                waitingSince = 0;
            }
            Snapshot snapshot = kafka.runOnPollingThread(c -> {
                        boolean waiting = false;
                        for (TopicPartition partition : c.assignment()) {
                            OptionalLong lag = c.currentLag(partition);
                            waiting |= lag.isPresent() && lag.getAsLong() > 0;
                        }
                        return new Snapshot(new HashSet<>(c.assignment()), new HashSet<>(c.paused()), waiting);
                    })
                    .await()
                    .atMost(Duration.ofSeconds(10));
            boolean idle = consumer.idle();
            if (!snapshot.recordsWaiting() || !idle) {
                waitingSince = 0;
                return;
            }
            if (waitingSince == 0) {
                waitingSince = now;
            }
            if (stalled()) {
                LOG.errorf(
                        "images wait in %s with nothing consumed or in flight since %.0f s ago (paused: %s):"
                                + " liveness is DOWN",
                        snapshot.assigned(), (now - waitingSince) / 1e9, snapshot.paused());
            }
        } catch (RuntimeException e) {
            LOG.debugf("consumer check failed: %s", e.toString());
        }
    }

    /** True when records have waited with nothing consumed and nothing in flight for {@link #STALLED_AFTER}. */
    public boolean stalled() {
        long since = waitingSince;
        return since != 0 && System.nanoTime() - since > STALLED_AFTER.toNanos();
    }
}

package io.alexstream.trainer.evaluation;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.jboss.logging.Logger;

/**
 * Keeps the live evaluator running without a person: a client that died (state ERROR or NOT_RUNNING, or one that
 * could not be started) is closed and a new one started after a back-off that doubles from {@code restart-backoff}
 * to {@code restart-max-backoff}, and starts again from the shortest once a client has run for {@link #STABLE}.
 * While a topic of the evaluator is missing no client is started (the probe asks the broker every shortest
 * back-off), so creating the topic is all it takes to heal. A failed stream thread is answered by
 * {@link ThreadFailures}: replaced, or the client stops so that this back-off spaces the retries.
 *
 * <p>{@link #check()} is its clock tick (the {@link Evaluator} calls it every second); {@link #health()} says whether
 * the evaluator works and, when not, why. Plain Java: the tests drive it with a fake client and a fixed clock.
 */
public final class EvaluatorSupervisor implements AutoCloseable {

    /** What the supervisor needs of an evaluator: {@link EvaluationStreams}, or a fake. */
    public interface Client extends AutoCloseable {
        void start();

        KafkaStreams.State state();

        @Override
        void close();
    }

    /** Makes a client, not started, that reports to the given monitor. */
    @FunctionalInterface
    public interface ClientFactory {
        Client create(StreamsMonitor monitor);
    }

    /** The evaluator's topics the broker does not have; throws when it cannot tell. */
    @FunctionalInterface
    public interface TopicProbe {
        Set<String> missing() throws Exception;
    }

    /**
     * @param minBackoff the wait before the first restart, and between asking the broker for missing topics
     * @param maxBackoff the longest wait between restarts
     * @param rebalancingGrace how long a client may start or rebalance before {@link #health()} says DOWN
     */
    public record Settings(Duration minBackoff, Duration maxBackoff, Duration rebalancingGrace) {
        public Settings {
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("alexstream.evaluation.restart-backoff (" + minBackoff
                        + ") must be positive and at most restart-max-backoff (" + maxBackoff + ")");
            }
            if (rebalancingGrace.isNegative()) {
                throw new IllegalArgumentException(
                        "alexstream.evaluation.rebalancing-grace (" + rebalancingGrace + ") must not be negative");
            }
        }
    }

    /**
     * @param up the evaluator runs, or is starting or rebalancing within the grace
     * @param state the client's Kafka Streams state, {@code NOT_STARTED} without one, {@code STOPPED} after close
     * @param reason why it is DOWN (null when up)
     * @param lastFailure the last failure seen (a thread's exception, a failed start), or null
     * @param restarts clients started after the first
     */
    public record Health(boolean up, String state, String reason, String lastFailure, long restarts) {}

    /** A client that ran this long was healthy: the next failure waits the shortest back-off again. */
    static final Duration STABLE = Duration.ofMinutes(1);

    private static final Logger LOG = Logger.getLogger(EvaluatorSupervisor.class);

    private final ClientFactory factory;
    private final TopicProbe probe;
    private final Settings settings;
    private final Clock clock;
    private final AtomicLong restarts = new AtomicLong();
    private final ThreadFailures threadFailures = new ThreadFailures();

    private volatile Client client;
    private volatile int generation;
    private volatile Instant stateSince;
    private volatile Instant runningSince;
    private volatile String lastFailure;
    private volatile Set<String> missingTopics = Set.of();
    private volatile Instant deadSince;
    private volatile Instant nextAttempt;
    private volatile boolean closed;
    private int attempts;

    public EvaluatorSupervisor(ClientFactory factory, TopicProbe probe, Settings settings, Clock clock) {
        this.factory = factory;
        this.probe = probe;
        this.settings = settings;
        this.clock = clock;
    }

    /** Starts the first client; a failure to start is retried by {@link #check()} like any death. */
    public synchronized void start() {
        if (!closed && client == null) {
            launch(clock.instant());
        }
    }

    /** Restarts a dead client once its back-off has passed and the evaluator's topics exist. */
    public synchronized void check() {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        Client current = client;
        KafkaStreams.State state = current == null ? null : current.state();
        if (state == KafkaStreams.State.RUNNING) {
            deadSince = null;
            missingTopics = Set.of();
            Instant since = runningSince;
            if (since != null && !now.isBefore(since.plus(STABLE))) {
                attempts = 0;
            }
            return;
        }
        if (state != null && !dead(state)) {
            return; // starting, rebalancing or stopping: Kafka Streams is at work
        }
        if (deadSince == null) {
            markDead(now);
        }
        if (now.isBefore(nextAttempt) || topicsMissing(now) || closed) {
            return; // closed: the trainer stopped while the broker was asked
        }
        if (current != null) {
            closeQuietly(current);
            client = null;
        }
        attempts++;
        restarts.incrementAndGet();
        LOG.infof("restarting the evaluator (restart %d; last failure: %s)", restarts.get(), lastFailure);
        launch(now);
    }

    /** Whether the evaluator works and, when it does not, why. */
    public Health health() {
        long restarted = restarts.get();
        String failure = lastFailure;
        if (closed) {
            return new Health(false, "STOPPED", "the trainer is shutting down", failure, restarted);
        }
        Client current = client;
        KafkaStreams.State state = current == null ? null : current.state();
        String name = state == null ? "NOT_STARTED" : state.name();
        if (state == KafkaStreams.State.RUNNING) {
            return new Health(true, name, null, failure, restarted);
        }
        Instant now = clock.instant();
        Set<String> missing = missingTopics;
        if (!missing.isEmpty()) {
            String reason = "topics missing: " + String.join(", ", missing)
                    + " (the evaluator starts once they exist; it asks the broker every "
                    + settings.minBackoff().toSeconds() + " s)";
            return new Health(false, name, reason, failure, restarted);
        }
        if (state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING) {
            Duration in = Duration.between(stateSince, now);
            if (in.compareTo(settings.rebalancingGrace()) < 0) {
                return new Health(true, name, null, failure, restarted);
            }
            String reason =
                    name + " for " + in.toSeconds() + " s" + (failure == null ? "" : "; last failure: " + failure);
            return new Health(false, name, reason, failure, restarted);
        }
        StringBuilder reason = new StringBuilder(failure == null ? "stopped (" + name + ")" : failure);
        Instant next = nextAttempt;
        if (deadSince != null && next != null) {
            reason.append("; next start in ")
                    .append(Math.max(0, Duration.between(now, next).toSeconds()))
                    .append(" s");
        }
        return new Health(false, name, reason.toString(), failure, restarted);
    }

    /** The current client is in state RUNNING. */
    public boolean running() {
        Client current = client;
        return !closed && current != null && current.state() == KafkaStreams.State.RUNNING;
    }

    /** Clients started after the first one. */
    public long restarts() {
        return restarts.get();
    }

    /** {@code alexstream_evaluation_running} (1/0) and {@code alexstream_evaluation_restarts_total}. */
    public void registerMeters(MeterRegistry metrics) {
        Gauge.builder("alexstream.evaluation.running", this, s -> s.running() ? 1 : 0)
                .description("1 while the live evaluator's Kafka Streams client is RUNNING, else 0")
                .strongReference(true)
                .register(metrics);
        FunctionCounter.builder("alexstream.evaluation.restarts", this, EvaluatorSupervisor::restarts)
                .description("Live evaluator clients started again after one died or could not start")
                .register(metrics);
    }

    /** Stops supervising and closes the client (committing, leaving the group). */
    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            Client current = client;
            client = null;
            if (current != null) {
                current.close();
            }
        }
    }

    private void launch(Instant now) {
        int current = ++generation;
        stateSince = now;
        runningSince = null;
        Client fresh = null;
        try {
            fresh = factory.create(monitor(current));
            client = fresh;
            fresh.start();
            deadSince = null;
        } catch (RuntimeException e) {
            lastFailure = ThreadFailures.describe(e);
            LOG.warnf(e, "the evaluator did not start: %s", lastFailure);
            if (fresh != null) {
                closeQuietly(fresh);
            }
            client = null;
            markDead(now);
        }
    }

    private StreamsMonitor monitor(int owner) {
        return new StreamsMonitor() {
            @Override
            public void stateChanged(KafkaStreams.State now, KafkaStreams.State before) {
                if (owner == generation) {
                    Instant at = clock.instant();
                    stateSince = at;
                    runningSince = now == KafkaStreams.State.RUNNING ? at : null;
                }
            }

            @Override
            public StreamThreadExceptionResponse threadFailed(Throwable failure) {
                lastFailure = ThreadFailures.describe(failure);
                return threadFailures.answer(failure, clock.instant());
            }
        };
    }

    /** Asks the broker for the evaluator's topics; while one is missing the next question waits the shortest. */
    private boolean topicsMissing(Instant now) {
        if (probe == null) {
            return false;
        }
        Set<String> missing;
        try {
            missing = Collections.unmodifiableSet(new TreeSet<>(probe.missing()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the trainer is stopping: start nothing
            return true;
        } catch (Exception e) {
            LOG.debugf("cannot tell which topics exist, restarting anyway: %s", e.getMessage());
            return false;
        }
        if (!missing.equals(missingTopics) && !missing.isEmpty()) {
            LOG.warnf("the evaluator waits for its topics: %s missing", missing);
        }
        missingTopics = missing;
        if (missing.isEmpty()) {
            return false;
        }
        nextAttempt = now.plus(settings.minBackoff());
        return true;
    }

    private void markDead(Instant now) {
        deadSince = now;
        nextAttempt = now.plus(backoff());
    }

    private Duration backoff() {
        Duration wait = settings.minBackoff();
        for (int i = 0; i < attempts && wait.compareTo(settings.maxBackoff()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(settings.maxBackoff()) < 0 ? wait : settings.maxBackoff();
    }

    private static boolean dead(KafkaStreams.State state) {
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING;
    }

    private static void closeQuietly(Client dead) {
        try {
            dead.close();
        } catch (RuntimeException e) {
            LOG.warnf(e, "closing the stopped evaluator failed");
        }
    }
}

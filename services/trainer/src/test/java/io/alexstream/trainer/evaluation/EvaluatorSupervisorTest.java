package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The supervisor with fake clients and a clock it is handed: a dead client is started again after a
 * back-off that doubles to the maximum and resets after a stable run; no client starts while a topic is missing, and
 * the health says which; a client starting or rebalancing is UP only within the grace; a failed thread is replaced
 * unless a source topic is missing or threads keep failing; the running gauge and the restart counter follow.
 */
class EvaluatorSupervisorTest {

    private static final EvaluatorSupervisor.Settings SETTINGS =
            new EvaluatorSupervisor.Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2));

    private final MutableClock clock = new MutableClock();
    private final List<FakeClient> clients = new ArrayList<>();
    private final AtomicReference<Set<String>> missing = new AtomicReference<>(Set.of());
    private final AtomicInteger failStarts = new AtomicInteger();
    private int failedStarts;
    private final EvaluatorSupervisor supervisor =
            new EvaluatorSupervisor(this::create, () -> missing.get(), SETTINGS, clock);

    @Test
    void aClientThatDiedIsStartedAgainAfterADoublingBackoffThatResetsAfterAStableRun() {
        supervisor.start();
        client().enter(State.RUNNING);
        assertThat(supervisor.running()).isTrue();

        List<Long> waits = new ArrayList<>();
        for (int death = 0; death < 5; death++) {
            client().enter(State.ERROR);
            waits.add(secondsUntilRestart());
            client().enter(State.RUNNING); // runs, but not for long: the back-off keeps growing
        }
        assertThat(waits).containsExactly(5L, 10L, 20L, 30L, 30L);
        assertThat(clients).hasSize(6);
        assertThat(clients.subList(0, 5)).allMatch(c -> c.closed, "every dead client closed");
        assertThat(supervisor.restarts()).isEqualTo(5);

        clock.advance(EvaluatorSupervisor.STABLE);
        supervisor.check(); // a stable run: the next death waits the shortest again
        client().enter(State.ERROR);
        assertThat(secondsUntilRestart()).isEqualTo(5);
    }

    @Test
    void aClientThatCannotStartIsRetriedAndTheHealthSaysWhy() {
        failStarts.set(2);
        supervisor.start();
        assertThat(supervisor.health().up()).isFalse();
        assertThat(supervisor.health().state()).isEqualTo("NOT_STARTED");
        assertThat(supervisor.health().reason())
                .contains("IllegalStateException: state directory locked")
                .contains("next start in 5 s");

        assertThat(secondsUntilRestart()).isEqualTo(5);
        assertThat(secondsUntilRestart()).isEqualTo(10); // failed again
        client().enter(State.RUNNING);
        assertThat(supervisor.health().up()).isTrue();
        assertThat(supervisor.health().lastFailure()).contains("state directory locked");
        assertThat(supervisor.restarts()).isEqualTo(2);
    }

    @Test
    void aMissingSourceTopicStopsTheClientAndNothingStartsUntilTheTopicExists() {
        supervisor.start();
        client().enter(State.REBALANCING);
        StreamThreadExceptionResponse response = client().monitor
                .threadFailed(new StreamsException(
                        new MissingSourceTopicException("One or more source topics were missing during rebalance")));
        assertThat(response).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        client().enter(State.ERROR);
        supervisor.check();
        assertThat(supervisor.health().up()).isFalse();
        assertThat(supervisor.health().state()).isEqualTo("ERROR");
        assertThat(supervisor.health().reason()).startsWith("source topic missing: One or more source topics");

        missing.set(Set.of("labels", "images.review"));
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(5));
            supervisor.check();
        }
        assertThat(clients).as("no client started while topics are missing").hasSize(1);
        assertThat(supervisor.health().reason()).startsWith("topics missing: images.review, labels");
        assertThat(supervisor.running()).isFalse();

        missing.set(Set.of());
        clock.advance(Duration.ofSeconds(5));
        supervisor.check();
        assertThat(clients).as("started once the broker has them").hasSize(2);
        client().enter(State.RUNNING);
        supervisor.check();
        assertThat(supervisor.health().up()).isTrue();
        assertThat(supervisor.health().reason()).isNull();
        assertThat(supervisor.restarts()).isEqualTo(1);
    }

    @Test
    void aBrokerThatCannotTellWhichTopicsExistDoesNotStopTheRestart() {
        EvaluatorSupervisor blind = new EvaluatorSupervisor(
                this::create,
                () -> {
                    throw new IllegalStateException("no broker");
                },
                SETTINGS,
                clock);
        blind.start();
        client().enter(State.ERROR);
        blind.check();
        clock.advance(Duration.ofSeconds(5));
        blind.check();
        assertThat(clients).hasSize(2);
    }

    @Test
    void aTrainerStoppingWhileTheBrokerIsAskedStartsNothing() {
        EvaluatorSupervisor stopping = new EvaluatorSupervisor(
                this::create,
                () -> {
                    throw new InterruptedException("the tick's executor shut down");
                },
                SETTINGS,
                clock);
        stopping.start();
        client().enter(State.ERROR);
        stopping.check();
        clock.advance(Duration.ofSeconds(5));
        stopping.check();
        assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
        assertThat(clients).hasSize(1);
    }

    @Test
    void startingAndRebalancingAreUpWithinTheGraceOnly() {
        supervisor.start();
        client().enter(State.REBALANCING);
        clock.advance(Duration.ofSeconds(119));
        supervisor.check();
        assertThat(supervisor.health().up()).isTrue();
        assertThat(supervisor.running()).as("the gauge says what is").isFalse();

        clock.advance(Duration.ofSeconds(1));
        client().monitor.threadFailed(new IllegalStateException("fenced"));
        assertThat(supervisor.health().up()).isFalse();
        assertThat(supervisor.health().reason())
                .isEqualTo("REBALANCING for 120 s; last failure: IllegalStateException: fenced");
        assertThat(clients).as("a rebalancing client is left to Kafka Streams").hasSize(1);

        client().enter(State.RUNNING);
        client().enter(State.REBALANCING); // a new rebalance starts a new grace
        assertThat(supervisor.health().up()).isTrue();
    }

    @Test
    void aFailedThreadIsReplacedUntilThreadsKeepFailing() {
        supervisor.start();
        StreamsMonitor monitor = client().monitor;
        assertThat(monitor.threadFailed(new RuntimeException("one")))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        clock.advance(Duration.ofSeconds(61));
        assertThat(monitor.threadFailed(new RuntimeException("two, a minute later")))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        clock.advance(Duration.ofSeconds(10));
        assertThat(monitor.threadFailed(new RuntimeException("three")))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        clock.advance(Duration.ofSeconds(10));
        assertThat(monitor.threadFailed(new StreamsException("task failed", new IllegalArgumentException("four"))))
                .as("the third within a minute")
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(supervisor.health().lastFailure()).isEqualTo("IllegalArgumentException: four");
    }

    @Test
    void theGaugeAndTheCounterFollowTheClients() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        supervisor.registerMeters(metrics);
        supervisor.start();
        assertThat(metrics.get("alexstream.evaluation.running").gauge().value()).isZero();
        client().enter(State.RUNNING);
        assertThat(metrics.get("alexstream.evaluation.running").gauge().value()).isEqualTo(1);
        client().enter(State.ERROR);
        assertThat(metrics.get("alexstream.evaluation.running").gauge().value()).isZero();
        secondsUntilRestart();
        assertThat(metrics.get("alexstream.evaluation.restarts")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void closeStopsTheClientAndTheSupervision() {
        supervisor.start();
        client().enter(State.RUNNING);
        supervisor.close();
        assertThat(client().closed).isTrue();
        assertThat(supervisor.health().up()).isFalse();
        assertThat(supervisor.health().state()).isEqualTo("STOPPED");
        clock.advance(Duration.ofMinutes(10));
        supervisor.check();
        assertThat(clients).hasSize(1);
        assertThat(supervisor.running()).isFalse();
    }

    /**
     * Checks now, as the supervisor's tick would when the client died, then ticks a second at a time until a new client
     * was started (or failed to start); the seconds it took.
     */
    private long secondsUntilRestart() {
        int before = clients.size() + failedStarts;
        supervisor.check();
        for (long seconds = 1; seconds <= 600; seconds++) {
            clock.advance(Duration.ofSeconds(1));
            supervisor.check();
            if (clients.size() + failedStarts > before) {
                return seconds;
            }
        }
        throw new AssertionError("no restart within 10 minutes");
    }

    private FakeClient client() {
        return clients.get(clients.size() - 1);
    }

    private EvaluatorSupervisor.Client create(StreamsMonitor monitor) {
        if (failStarts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failedStarts++;
            throw new IllegalStateException("state directory locked");
        }
        FakeClient client = new FakeClient(monitor);
        clients.add(client);
        return client;
    }

    private static final class FakeClient implements EvaluatorSupervisor.Client {
        final StreamsMonitor monitor;
        volatile State state = State.CREATED;
        volatile boolean closed;

        FakeClient(StreamsMonitor monitor) {
            this.monitor = monitor;
        }

        void enter(State next) {
            State before = state;
            state = next;
            monitor.stateChanged(next, before);
        }

        @Override
        public void start() {
            enter(State.REBALANCING);
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public void close() {
            closed = true;
            state = State.NOT_RUNNING;
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

package io.alexstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit. The supervisor's decisions on a clock that moves only when the supervisor
 * sleeps: back-off doubling from 1 s to the 60 s cap, its reset after a child stayed up, a
 * restart after three failed liveness probes (and the kill before it), and nothing restarted
 * after close.
 */
class SupervisorTest {

    /** Time that passes only when slept. */
    static final class FakeClock implements Supervisor.Clock {
        private long now;

        @Override
        public synchronized long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            synchronized (this) {
                now += duration.toNanos();
            }
            Thread.yield();
        }
    }

    /** A child whose life is scripted: alive for so many ticks, answering its probes or not. */
    static final class FakeChild implements Supervisor.Child {
        private final long pid;
        private final AtomicInteger ticksLeft;
        private final boolean answersProbes;
        volatile boolean killed;

        FakeChild(long pid, int aliveTicks, boolean answersProbes) {
            this.pid = pid;
            this.ticksLeft = new AtomicInteger(aliveTicks);
            this.answersProbes = answersProbes;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public boolean isAlive() {
            return !killed && ticksLeft.getAndDecrement() > 0;
        }

        @Override
        public OptionalInt exitCode() {
            return OptionalInt.of(killed ? 137 : 1);
        }

        @Override
        public boolean probeLive() {
            return answersProbes;
        }

        @Override
        public void kill() {
            killed = true;
        }
    }

    /** Records the restarts, and when (on the fake clock) each was decided. */
    static final class Recorder implements Supervisor.Listener {
        final List<Supervisor.Restart> restarts = new CopyOnWriteArrayList<>();
        final List<Long> decidedAtNanos = new CopyOnWriteArrayList<>();
        final List<Long> restartedPids = new CopyOnWriteArrayList<>();
        private final FakeClock clock;

        Recorder(FakeClock clock) {
            this.clock = clock;
        }

        @Override
        public void restarting(Supervisor.Restart restart) {
            restarts.add(restart);
            decidedAtNanos.add(clock == null ? 0 : clock.nanoTime());
        }

        @Override
        public void restarted(String service, long pid, int attempt) {
            restartedPids.add(pid);
        }
    }

    /**
     * The n-th launch returns {@code children}'s n-th child; from launch {@code stopAfter} on, a child that never dies.
     */
    private static Supervisor.Launcher<FakeChild> launcher(
            AtomicInteger launches, int stopAfter, CountDownLatch done, IntFunction<FakeChild> children) {
        return () -> {
            int n = launches.incrementAndGet();
            if (n >= stopAfter) {
                done.countDown();
                // a child that never dies: the test has seen what it needs
                return new FakeChild(1000 + n, Integer.MAX_VALUE, true);
            }
            return children.apply(n);
        };
    }

    @Test
    void backOffDoublesFromOneSecondUpToSixtyAndTheLogSaysWhy() throws Exception {
        FakeClock clock = new FakeClock();
        Recorder recorder = new Recorder(clock);
        AtomicInteger launches = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        try (Supervisor supervisor = new Supervisor(Supervisor.Policy.DEFAULT, clock, recorder)) {
            supervisor.watch(
                    "worker-1",
                    new FakeChild(1, 2, true),
                    launcher(launches, 9, done, n -> new FakeChild(1 + n, 2, true)));
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(recorder.restarts)
                .extracting(r -> r.backOff().toSeconds())
                .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
        assertThat(recorder.restarts)
                .extracting(Supervisor.Restart::attempt)
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(recorder.restarts).allSatisfy(r -> {
            assertThat(r.service()).isEqualTo("worker-1");
            assertThat(r.reason()).isEqualTo("exited");
            assertThat(r.exitCode()).hasValue(1);
        });
        assertThat(recorder.restarts.get(0).describe())
                .isEqualTo("worker-1 exited (exit code 1); restart attempt 1 in 1 s");
        assertThat(recorder.restartedPids).startsWith(2L, 3L, 4L);
    }

    @Test
    void theBackOffStartsOverOnceAChildStayedUpTwoMinutes() throws Exception {
        FakeClock clock = new FakeClock();
        Recorder recorder = new Recorder(clock);
        AtomicInteger launches = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        // children 1-3 die after 2 s; child 4 runs 150 s (past the 120 s after which the back-off resets); child 5 dies
        // at once
        try (Supervisor supervisor = new Supervisor(Supervisor.Policy.DEFAULT, clock, recorder)) {
            supervisor.watch(
                    "trainer",
                    new FakeChild(1, 2, true),
                    launcher(launches, 6, done, n -> new FakeChild(1 + n, n == 4 ? 150 : 2, true)));
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(recorder.restarts).extracting(r -> r.backOff().toSeconds()).containsExactly(1L, 2L, 4L, 8L, 1L, 2L);
        assertThat(recorder.restarts).extracting(Supervisor.Restart::attempt).containsExactly(1, 2, 3, 4, 1, 2);
    }

    @Test
    void threeFailedProbesFiveSecondsApartKillAndRestart() throws Exception {
        FakeClock clock = new FakeClock();
        Recorder recorder = new Recorder(clock);
        AtomicInteger launches = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        FakeChild stuck = new FakeChild(1, Integer.MAX_VALUE, false);
        try (Supervisor supervisor = new Supervisor(Supervisor.Policy.DEFAULT, clock, recorder)) {
            Supervisor.Watch<FakeChild> watch =
                    supervisor.watch("ingest", stuck, launcher(launches, 1, done, n -> null));
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watch.current() == stuck && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(watch.current().pid()).isEqualTo(1001);
            assertThat(watch.restarts()).isEqualTo(1);
        }
        assertThat(stuck.killed).isTrue();
        assertThat(recorder.restarts).hasSize(1);
        Supervisor.Restart restart = recorder.restarts.get(0);
        assertThat(restart.reason()).isEqualTo("failed 3 liveness probes in a row (killed)");
        assertThat(restart.exitCode()).hasValue(137);
        assertThat(restart.backOff()).isEqualTo(Duration.ofSeconds(1));
        // probes 5 s apart: the third failed one comes 15 s after the start
        assertThat(recorder.decidedAtNanos).containsExactly(TimeUnit.SECONDS.toNanos(15));
    }

    @Test
    void aFailedStartCountsAsAnAttemptAndIsRetried() throws Exception {
        FakeClock clock = new FakeClock();
        Recorder recorder = new Recorder(clock);
        AtomicInteger launches = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Supervisor.Launcher<FakeChild> failsTwice = () -> {
            if (launches.incrementAndGet() <= 2) {
                throw new IllegalStateException("worker-2 exited with 1; log ...\nline two");
            }
            done.countDown();
            return new FakeChild(99, Integer.MAX_VALUE, true);
        };
        try (Supervisor supervisor = new Supervisor(Supervisor.Policy.DEFAULT, clock, recorder)) {
            Supervisor.Watch<FakeChild> watch = supervisor.watch("worker-2", new FakeChild(1, 1, true), failsTwice);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watch.current().pid() != 99 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(watch.restarts()).isEqualTo(3);
        }
        assertThat(recorder.restarts)
                .extracting(Supervisor.Restart::reason)
                .containsExactly(
                        "exited",
                        "could not be started (worker-2 exited with 1; log ...)",
                        "could not be started (worker-2 exited with 1; log ...)");
        assertThat(recorder.restarts).extracting(r -> r.backOff().toSeconds()).containsExactly(1L, 2L, 4L);
        assertThat(recorder.restartedPids).containsExactly(99L);
    }

    @Test
    void nothingIsRestartedAfterClose() throws Exception {
        Recorder recorder = new Recorder(null);
        FakeChild child = new FakeChild(1, Integer.MAX_VALUE, true);
        Supervisor supervisor = new Supervisor(Supervisor.Policy.DEFAULT, recorder);
        supervisor.watch("worker-1", child, () -> {
            throw new AssertionError("restarted after close");
        });
        supervisor.close();
        child.kill();
        Thread.sleep(1200);
        assertThat(recorder.restarts).isEmpty();
    }
}

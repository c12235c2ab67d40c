package io.alexstream.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a local stack's child processes running, as an init system would: a child that exits,
 * or whose liveness probe fails {@link Policy#failuresBeforeRestart()} times in a row (one probe
 * every {@link Policy#probeEvery()}), is started again after an exponential back-off (1 s, 2 s,
 * 4 s ... at most {@link Policy#maxBackOff()}), which starts over at the first step once a child
 * has stayed up for {@link Policy#stableAfter()}. Every decision goes to the {@link Listener}
 * with the service, the reason, the exit code and the attempt. One thread per child; closing
 * stops supervising (it does not stop the children: their owner does, in its own order).
 */
public final class Supervisor implements AutoCloseable {

    /** A running child as the supervisor sees it. */
    public interface Child {
        long pid();

        boolean isAlive();

        /** The exit code once it has exited, empty while it runs. */
        OptionalInt exitCode();

        /** One liveness probe; true while it answers (a child without a probe answers whether it runs). */
        boolean probeLive();

        /** SIGKILL, and wait until it is gone. */
        void kill() throws InterruptedException;
    }

    /** Starts a child and returns once it is live; throws when it could not. */
    @FunctionalInterface
    public interface Launcher<C extends Child> {
        C start() throws Exception;
    }

    /** Told of every restart: before the back-off, and once the new child is live. */
    public interface Listener {
        default void restarting(Restart restart) {}

        default void restarted(String service, long pid, int attempt) {}
    }

    /** One restart decision: why, the exit code of the child that went (if it exited), the attempt and its back-off. */
    public record Restart(String service, String reason, OptionalInt exitCode, int attempt, Duration backOff) {

        /** One log line: {@code worker-1 exited (exit code 137); restart attempt 1 in 1 s}. */
        public String describe() {
            return service + " " + reason
                    + exitCode.stream()
                            .mapToObj(code -> " (exit code " + code + ")")
                            .findFirst()
                            .orElse("") + "; restart attempt " + attempt + " in " + backOff.toSeconds() + " s";
        }
    }

    /** When to restart and how long to wait first. */
    public record Policy(
            Duration tick,
            Duration probeEvery,
            int failuresBeforeRestart,
            Duration firstBackOff,
            Duration maxBackOff,
            Duration stableAfter) {

        /** Exits noticed within a second; 3 failed probes 5 s apart; 1 s doubling to 60 s; reset after 2 minutes up. */
        public static final Policy DEFAULT = new Policy(
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                3,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Duration.ofMinutes(2));

        /** The wait before restart attempt {@code attempt} (1 for the first). */
        public Duration backOff(int attempt) {
            long millis = firstBackOff.toMillis();
            for (int i = 1; i < attempt && millis < maxBackOff.toMillis(); i++) {
                millis *= 2;
            }
            return Duration.ofMillis(Math.min(millis, maxBackOff.toMillis()));
        }
    }

    /** Time as the supervisor reads and spends it: the system's, or a test's that moves only when slept. */
    interface Clock {
        long nanoTime();

        void sleep(Duration duration) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            }
        };
    }

    private final Policy policy;
    private final Clock clock;
    private final Listener listener;
    private final List<Watch<?>> watches = new ArrayList<>();
    private volatile boolean closed;

    public Supervisor(Policy policy, Listener listener) {
        this(policy, Clock.SYSTEM, listener);
    }

    Supervisor(Policy policy, Clock clock, Listener listener) {
        this.policy = policy;
        this.clock = clock;
        this.listener = listener;
    }

    /** Supervises {@code first} (already started and live), restarting it with {@code launcher}. */
    public synchronized <C extends Child> Watch<C> watch(String service, C first, Launcher<C> launcher) {
        if (closed) {
            throw new IllegalStateException("the supervisor is closed");
        }
        Watch<C> watch = new Watch<>(service, first, launcher);
        watches.add(watch);
        watch.thread.start();
        return watch;
    }

    /** Stops supervising: no child is restarted after this returns. The children keep running. */
    @Override
    public void close() throws InterruptedException {
        List<Watch<?>> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(watches);
        }
        for (Watch<?> watch : all) {
            watch.thread.interrupt();
        }
        for (Watch<?> watch : all) {
            watch.thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** One supervised service: its current child and how often it was restarted. */
    public final class Watch<C extends Child> {
        private final String service;
        private final Launcher<C> launcher;
        private final Thread thread;
        private volatile C current;
        private volatile int restarts;

        private Watch(String service, C first, Launcher<C> launcher) {
            this.service = service;
            this.current = first;
            this.launcher = launcher;
            this.thread = new Thread(this::run, "supervise-" + service);
            this.thread.setDaemon(true);
        }

        public String service() {
            return service;
        }

        /** The child running now (after a restart, the new one). */
        public C current() {
            return current;
        }

        /** Restart attempts so far. */
        public int restarts() {
            return restarts;
        }

        private void run() {
            int attempt = 0;
            long upSince = clock.nanoTime();
            try {
                while (!closed) {
                    Restart cause = awaitFailure(current);
                    if (cause == null) {
                        return;
                    }
                    if (clock.nanoTime() - upSince >= policy.stableAfter().toNanos()) {
                        attempt = 0;
                    }
                    String reason = cause.reason();
                    OptionalInt exitCode = cause.exitCode();
                    while (!closed) {
                        attempt++;
                        Restart restart = new Restart(service, reason, exitCode, attempt, policy.backOff(attempt));
                        restarts++;
                        listener.restarting(restart);
                        clock.sleep(restart.backOff());
                        if (closed) {
                            return;
                        }
                        try {
                            C next = launcher.start();
                            if (closed) {
                                next.kill();
                                return;
                            }
                            current = next;
                            upSince = clock.nanoTime();
                            listener.restarted(service, next.pid(), attempt);
                            break;
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            reason = "could not be started ("
                                    + String.valueOf(e.getMessage())
                                            .lines()
                                            .findFirst()
                                            .orElse("") + ")";
                            exitCode = OptionalInt.empty();
                        }
                    }
                }
            } catch (InterruptedException e) {
                // closed while waiting: nothing more to supervise
            }
        }

        /** Waits until the child exits or fails its probes (killing it then); null once closed. */
        private Restart awaitFailure(C child) throws InterruptedException {
            int failedProbes = 0;
            long lastProbe = clock.nanoTime();
            while (!closed) {
                clock.sleep(policy.tick());
                if (closed) {
                    return null;
                }
                if (!child.isAlive()) {
                    return new Restart(service, "exited", child.exitCode(), 0, Duration.ZERO);
                }
                if (clock.nanoTime() - lastProbe >= policy.probeEvery().toNanos()) {
                    lastProbe = clock.nanoTime();
                    failedProbes = child.probeLive() ? 0 : failedProbes + 1;
                    if (failedProbes >= policy.failuresBeforeRestart()) {
                        child.kill();
                        return new Restart(
                                service,
                                "failed " + failedProbes + " liveness probes in a row (killed)",
                                child.exitCode(),
                                0,
                                Duration.ZERO);
                    }
                }
            }
            return null;
        }
    }
}

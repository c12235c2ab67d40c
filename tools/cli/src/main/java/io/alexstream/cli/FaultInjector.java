package io.alexstream.cli;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.auth.BearerTokens;
import io.alexstream.kafka.BrokerProcess;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.ModelVersion;
import io.alexstream.proto.v1.RollbackRequest;
import io.alexstream.proto.v1.RolloutStatus;
import io.alexstream.proto.v1.RolloutStatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The faults {@code chaos} injects, on a schedule spread over the run (fractions of it): a
 * worker killed with SIGKILL (the stack's supervisor restarts it), pushes to a worker with no
 * and with a wrong bearer token (both must be refused), a fake worker registered with the
 * worker token at the {@link SecretTrap}'s address (and kept registered), the trainer killed
 * right after a rollback started a rollout (the supervisor restarts it), the broker stopped
 * with SIGSTOP for longer than SmallRye's 60 s throttled-commit watchdog, and an operator's
 * rollback. Against a deployment chaos did not start, the process faults are skipped and
 * said so. Every fault is counted by kind and logged with its outcome.
 */
final class FaultInjector implements AutoCloseable {

    /** One scheduled fault: when (a fraction of the run), what, and how. */
    private record Planned(double at, String kind, Action action) {}

    @FunctionalInterface
    private interface Action {
        /** Injects the fault; returns its outcome, or null when it could not be injected here. */
        String inject() throws Exception;
    }

    private final ChaosTargets targets;
    private final Optional<LocalStack> stack;
    private final SecretTrap trap;
    private final String trapHost;
    private final Duration run;
    private final Duration brokerPause;
    private final PrintStream log;
    private final Map<String, Integer> counts = new TreeMap<>();
    private final Map<String, String> refusals = new TreeMap<>();
    private final List<String> events = new ArrayList<>();
    private final ManagedChannel trainerChannel;
    private final Thread thread;
    private volatile TrapRegistration trapRegistration;
    private volatile BrokerProcess paused;
    private long started;

    /** {@code trapHost}: the address the trainer can reach this machine at (127.0.0.1 for the local stack). */
    FaultInjector(
            ChaosTargets targets,
            Optional<LocalStack> stack,
            SecretTrap trap,
            String trapHost,
            Duration run,
            Duration brokerPause,
            PrintStream log) {
        this.targets = targets;
        this.stack = stack;
        this.trap = trap;
        this.trapHost = trapHost;
        this.run = run;
        this.brokerPause = brokerPause;
        this.log = log;
        this.trainerChannel = ManagedChannelBuilder.forAddress(targets.trainerHost(), targets.trainerPort())
                .usePlaintext()
                .build();
        this.thread = new Thread(this::runSchedule, "chaos-faults");
    }

    private List<Planned> schedule() {
        return List.of(
                new Planned(0.10, "worker-sigkill", this::killWorker),
                new Planned(0.15, "push-without-token", () -> badPush(null)),
                new Planned(0.16, "push-with-bad-token", () -> badPush("chaos-" + BearerTokens.generate())),
                new Planned(0.20, "fake-worker-registration", this::registerTrap),
                new Planned(0.30, "trainer-sigkill-mid-rollout", () -> rollback(true)),
                new Planned(0.45, "broker-sigstop", this::pauseBroker),
                new Planned(0.75, "rollback", () -> rollback(false)));
    }

    void start() {
        started = System.nanoTime();
        thread.start();
    }

    /** Waits until every scheduled fault was injected (and the broker continued). */
    void awaitDone(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
    }

    synchronized Map<String, Integer> counts() {
        return new TreeMap<>(counts);
    }

    /** How each bad-credential push was answered: the gRPC status, or ACCEPTED. */
    synchronized Map<String, String> refusals() {
        return new TreeMap<>(refusals);
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    private void runSchedule() {
        for (Planned planned : schedule()) {
            try {
                long at = started + (long) (planned.at() * run.toNanos());
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String outcome;
                try {
                    outcome = planned.action().inject();
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    outcome = "failed: " + e;
                }
                note(planned.kind(), outcome);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void note(String kind, String outcome) {
        String line = String.format(
                Locale.ROOT,
                "%s t+%.0f s %s: %s",
                LocalTime.now().withNano(0),
                (System.nanoTime() - started) / 1e9,
                kind,
                outcome == null ? "skipped (not possible against this target)" : outcome);
        events.add(line);
        log.println("  fault " + line);
        if (outcome != null) {
            counts.merge(kind, 1, Integer::sum);
        }
    }

    private String killWorker() throws InterruptedException {
        if (stack.isEmpty() || stack.get().workers().isEmpty()) {
            return null;
        }
        List<ServiceProcess> workers = stack.get().workers();
        ServiceProcess victim = workers.get(workers.size() - 1);
        victim.kill();
        return victim.name() + " (pid " + victim.pid() + ") killed with SIGKILL; the supervisor restarts it";
    }

    /** A push of a tiny fake version to the first worker: it must be refused before a byte is taken. */
    private String badPush(String token) throws InterruptedException {
        if (targets.workers().isEmpty()) {
            return null;
        }
        ChaosTargets.Worker worker = targets.workers().get(0);
        String outcome = BadPush.push(worker, token);
        synchronized (this) {
            refusals.put(token == null ? "without_token" : "bad_token", outcome);
        }
        return "push to " + worker.name() + (token == null ? " without a token" : " with a wrong token") + ": "
                + outcome;
    }

    private String registerTrap() {
        if (targets.workerToken().isEmpty()) {
            return null;
        }
        String address = trapHost + ":" + trap.port();
        TrapRegistration registration =
                new TrapRegistration(trainerChannel, targets.workerToken().get(), address);
        trapRegistration = registration;
        return "registered chaos-trap at " + address + " with the worker token: " + registration.register()
                + " (again every 10 s)";
    }

    /**
     * Rolls back to the newest version older than the current one; with {@code killTrainer}, SIGKILLs it right
     * after.
     */
    private String rollback(boolean killTrainer) throws InterruptedException {
        if (targets.operatorToken().isEmpty() || (killTrainer && stack.isEmpty())) {
            return null;
        }
        ModelRegistryGrpc.ModelRegistryBlockingStub registry = ModelRegistryGrpc.newBlockingStub(trainerChannel)
                .withCallCredentials(
                        new BearerCredentials(targets.operatorToken().get()));
        RolloutStatus status = null;
        // the trainer may still be coming back from the last fault
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (status == null) {
            try {
                status = registry.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getRolloutStatus(RolloutStatusRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    return "failed: the trainer did not answer GetRolloutStatus for 90 s ("
                            + e.getStatus().getCode() + ")";
                }
                TimeUnit.SECONDS.sleep(2);
            }
        }
        long current = status.getCurrentVersion();
        Optional<Long> older = status.getVersionsList().stream()
                .map(ModelVersion::getVersion)
                .filter(v -> v < current)
                .max(Long::compare);
        if (older.isEmpty()) {
            return "failed: no version older than the current " + current + " to roll back to";
        }
        RolloutStatus after;
        try {
            after = registry.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .rollback(
                            RollbackRequest.newBuilder().setVersion(older.get()).build());
        } catch (StatusRuntimeException e) {
            return "rollback " + current + " -> " + older.get() + " refused: " + e.getStatus();
        }
        String outcome = "rolled back " + current + " -> " + older.get() + " (rollout " + after.getState() + ")";
        if (killTrainer) {
            ServiceProcess trainer = stack.get().trainer();
            trainer.kill();
            outcome +=
                    "; trainer (pid " + trainer.pid() + ") killed with SIGKILL right after; the supervisor restarts it";
            synchronized (this) {
                counts.merge("rollback", 1, Integer::sum);
            }
        }
        return outcome;
    }

    private String pauseBroker() throws Exception {
        Optional<BrokerProcess> broker = stack.flatMap(LocalStack::brokerProcess);
        if (broker.isEmpty()) {
            return null;
        }
        paused = broker.get();
        paused.pause();
        log.printf(
                Locale.ROOT,
                "  fault broker-sigstop: broker (pid %d) stopped for %d s ...%n",
                paused.pid(),
                brokerPause.toSeconds());
        try {
            TimeUnit.NANOSECONDS.sleep(brokerPause.toNanos());
        } finally {
            paused.resume();
            paused = null;
        }
        return "broker (pid " + broker.get().pid() + ") stopped with SIGSTOP for " + brokerPause.toSeconds()
                + " s, then SIGCONT";
    }

    /** Stops the schedule; a paused broker is continued. */
    @Override
    public void close() throws Exception {
        thread.interrupt();
        TrapRegistration registration = trapRegistration;
        if (registration != null) {
            registration.close();
        }
        thread.join(TimeUnit.SECONDS.toMillis(30));
        BrokerProcess stillPaused = paused;
        if (stillPaused != null) {
            stillPaused.resume();
        }
        trainerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}

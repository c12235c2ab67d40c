package io.alexstream.trainer.rollout;

import io.alexstream.auth.TlsChannels;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.SyncRequest;
import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Keeps every live worker on the trainer's current version, the desired state. A rollout asks
 * one worker at a time to {@code Sync} (the worker pulls the version from this trainer with its
 * own credential, validates it and swaps it in), so nothing sent to a worker's registered
 * address is a secret. An unreachable worker does not stop the others: it is skipped and synced
 * again every {@link RolloutConfig#retryInterval()}, as is any worker that registers with a
 * version other than the desired one (a restart, a missed rollback, a trainer that restarted
 * mid-rollout). A worker that refuses a version stops a rollout there: the workers not yet
 * reached keep their version. Registrations expire after {@link RolloutConfig#registrationTtl()}.
 */
@ApplicationScoped
public class RolloutService {

    private static final Logger LOG = Logger.getLogger(RolloutService.class);

    public enum State { IDLE, ROLLING_OUT, DONE, FAILED, CONVERGING }

    /** One worker as the trainer sees it: what it serves, what it should serve, and why they differ. */
    public record WorkerState(String id, String address, long servingVersion, long desiredVersion, String reason,
                              String lastPushResult, double lastPushSeconds, boolean configured, Instant lastSeen) {

        WorkerState served(long version, Instant seen) {
            return new WorkerState(id, address, version, desiredVersion, reason, lastPushResult, lastPushSeconds, configured, seen);
        }

        WorkerState synced(long version, String outcome, double seconds) {
            return new WorkerState(id, address, version, desiredVersion, reason, outcome, seconds, configured, lastSeen);
        }

        WorkerState wants(long desired, String why) {
            return new WorkerState(id, address, servingVersion, desired, why, lastPushResult, lastPushSeconds, configured, lastSeen);
        }

        public boolean converged() {
            return servingVersion == desiredVersion;
        }
    }

    private final TrainerConfig config;
    private final RolloutConfig rolloutConfig;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final Map<String, WorkerState> workers = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Workers that refused a version, by worker and version: not asked again for it. */
    private final Set<String> refusals = ConcurrentHashMap.newKeySet();
    private final AtomicInteger stateCode = new AtomicInteger();
    private final ReentrantLock rolling = new ReentrantLock();
    private final MultiGauge versionsGauge;
    private final java.util.concurrent.ScheduledExecutorService reconciler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "rollout-reconciler");
                thread.setDaemon(true);
                return thread;
            });
    private volatile State state = State.IDLE;
    private volatile String message = "";
    /** While a rolling update runs, the workers it has not reached yet keep their version. */
    private final Set<String> notYetReached = ConcurrentHashMap.newKeySet();
    /** TLS to the workers' gRPC servers when a CA is configured; plaintext otherwise. No credential either way. */
    private final Optional<TlsChannels.ClientTls> pushTls;

    public RolloutService(TrainerConfig config, RolloutConfig rolloutConfig, MeterRegistry metrics) {
        this.config = config;
        this.rolloutConfig = rolloutConfig;
        this.metrics = metrics;
        this.clock = Clock.systemUTC();
        this.pushTls = TlsChannels.ClientTls.fromSettings(config.pushTlsTrustCertificate(), config.pushTlsCertificate(),
                config.pushTlsKey());
        config.workers().ifPresent(list -> list.forEach(address -> workers.put(address,
                new WorkerState(address, address, -1, 0, "not heard from yet", "", 0, true, clock.instant()))));
        // alexstream_trainer_rollout_state: 0 idle, 1 rolling out, 2 done, 3 failed, 4 converging
        Gauge.builder("alexstream.trainer.rollout.state", stateCode, AtomicInteger::get).strongReference(true).register(metrics);
        Gauge.builder("alexstream.trainer.workers.unconverged", this, s -> s.workers().stream().filter(w -> !w.converged()).count())
                .description("Live workers that do not serve the version the trainer wants them to").strongReference(true).register(metrics);
        this.versionsGauge = MultiGauge.builder("alexstream.trainer.worker.version")
                .description("Per worker: the version it serves (kind=served) and the one it should (kind=desired)").register(metrics);
    }

    /** A worker's (re-)registration; returns the version it should serve. */
    public long register(String id, String address, long servingVersion, long current) {
        // a static entry for the same address is replaced by the worker's own name
        workers.values().removeIf(w -> w.address().equals(address) && !w.id().equals(id));
        WorkerState known = workers.get(id);
        Instant now = clock.instant();
        if (known != null && known.address().equals(address)) {
            workers.put(id, known.served(servingVersion, now));
            LOG.debugf("worker %s registered again at %s, serving version %d", id, address, servingVersion);
        } else {
            workers.put(id, new WorkerState(id, address, servingVersion, current, "", "registered", 0, false, now));
            LOG.infof("worker %s registered at %s, serving version %d", id, address, servingVersion);
        }
        return desiredFor(id, servingVersion, current);
    }

    /** The trainer's current version, unless a rolling update is under way and has not reached this worker yet. */
    long desiredFor(String id, long serving, long current) {
        if (rolling.isLocked() && notYetReached.contains(id) && serving > 0) {
            return serving;
        }
        return current;
    }

    public List<WorkerState> workers() {
        List<WorkerState> list = new ArrayList<>(workers.values());
        list.sort(Comparator.comparing(WorkerState::id));
        return list;
    }

    public State state() {
        return state;
    }

    public String message() {
        return message;
    }

    /**
     * Brings {@code version} to every live worker not already serving it, one at a time; for a
     * rollback, and for a trainer that restarted mid-rollout, the same. Blocks while another
     * rollout runs.
     *
     * @return true when every live worker now serves it
     */
    public boolean rollOut(long version, boolean rollback) {
        rolling.lock();
        try {
            expireRegistrations();
            notYetReached.clear();
            workers().forEach(w -> notYetReached.add(w.id()));
            setState(State.ROLLING_OUT, "rolling out version " + version + (rollback ? " (rollback)" : ""));
            List<String> unreachable = new ArrayList<>();
            for (WorkerState worker : workers()) {
                // reached from here on: the worker's own registration during its Sync must learn the new version
                notYetReached.remove(worker.id());
                Outcome outcome = sync(worker, version);
                if (outcome == Outcome.REFUSED && !rollback) {
                    WorkerState now = workers.get(worker.id());
                    setState(State.FAILED, "version " + version + " stopped at worker " + worker.id() + ": " + now.lastPushResult());
                    LOG.errorf("rollout of version %d stopped: worker %s %s; workers not yet reached keep their version",
                            version, worker.id(), now.lastPushResult());
                    return false;
                }
                if (outcome != Outcome.CONVERGED) {
                    unreachable.add(worker.id());
                }
            }
            if (unreachable.isEmpty()) {
                setState(State.DONE, "every worker serves version " + version);
                return true;
            }
            setState(State.CONVERGING, "version " + version + " is current; not yet on " + unreachable
                    + " (retried every " + rolloutConfig.retryInterval().toSeconds() + " s)");
            return false;
        } finally {
            notYetReached.clear();
            rolling.unlock();
            exportVersions();
        }
    }

    /**
     * One pass of the reconciler: forgets expired registrations, then syncs every live worker
     * whose reported version differs from {@code current}. Skipped while a rollout runs.
     */
    public void reconcile(long current) {
        if (current <= 0 || !rolling.tryLock()) {
            return;
        }
        try {
            expireRegistrations();
            boolean all = true;
            for (WorkerState worker : workers()) {
                if (worker.servingVersion() == current) {
                    explain(worker.id(), current, "");
                    continue;
                }
                if (refusals.contains(worker.id() + "@" + current)) {
                    all = false;
                    continue;
                }
                all &= sync(worker, current) == Outcome.CONVERGED;
            }
            if (all && state == State.CONVERGING) {
                setState(State.DONE, "every worker serves version " + current);
            }
        } finally {
            rolling.unlock();
            exportVersions();
        }
    }

    /** Syncs workers that differ from {@code current} every retry interval, from now on. */
    public void startReconciling(LongSupplier current) {
        long every = rolloutConfig.retryInterval().toMillis();
        reconciler.scheduleWithFixedDelay(() -> {
            try {
                reconcile(current.getAsLong());
            } catch (RuntimeException e) {
                LOG.errorf(e, "reconciling the workers failed; trying again in %d ms", every);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    private enum Outcome { CONVERGED, REFUSED, UNREACHABLE }

    private Outcome sync(WorkerState worker, long version) {
        explain(worker.id(), version, "rolling out");
        if (worker.servingVersion() == version) {
            explain(worker.id(), version, "");
            return Outcome.CONVERGED;
        }
        long started = System.nanoTime();
        Outcome outcome;
        String result;
        long serving = worker.servingVersion();
        try {
            PushResult answer = ModelReceiverGrpc.newBlockingStub(channel(worker.address()))
                    .withDeadlineAfter(config.pushTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .sync(SyncRequest.newBuilder().setVersion(version).build());
            serving = answer.getServingVersion();
            outcome = serving == version ? Outcome.CONVERGED : Outcome.UNREACHABLE;
            result = outcome == Outcome.CONVERGED ? "ok" : "still on version " + serving + ": " + answer.getMessage();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            boolean refused = code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION
                    || code == Status.Code.RESOURCE_EXHAUSTED;
            outcome = refused ? Outcome.REFUSED : Outcome.UNREACHABLE;
            result = (refused ? "refused: " : "unreachable: ") + code + ": " + e.getStatus().getDescription();
        } catch (RuntimeException e) {
            outcome = Outcome.UNREACHABLE;
            result = "unreachable: " + e;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        WorkerState now = workers.get(worker.id());
        if (now != null) {
            workers.put(worker.id(), now.synced(serving, result, seconds));
        }
        if (outcome == Outcome.REFUSED) {
            refusals.add(worker.id() + "@" + version);
        }
        explain(worker.id(), version, outcome == Outcome.CONVERGED ? "" : result);
        Timer.builder("alexstream.trainer.push.duration").tags("worker", worker.id(), "result",
                        outcome == Outcome.CONVERGED ? "accepted" : outcome == Outcome.REFUSED ? "refused" : "unreachable")
                .register(metrics).record(Duration.ofNanos((long) (seconds * 1e9)));
        if (outcome == Outcome.CONVERGED) {
            LOG.infof("worker %s now serves version %d (sync, pull, validate and swap in %.2f s)", worker.id(), version, seconds);
        } else {
            LOG.warnf("worker %s not on version %d: %s", worker.id(), version, result);
        }
        return outcome;
    }

    private void explain(String id, long desired, String why) {
        workers.computeIfPresent(id, (k, w) -> w.wants(desired, why));
    }

    private void expireRegistrations() {
        Instant oldest = clock.instant().minus(rolloutConfig.registrationTtl());
        workers.values().removeIf(w -> {
            boolean expired = !w.configured() && w.lastSeen().isBefore(oldest);
            if (expired) {
                LOG.warnf("worker %s at %s not heard from since %s: forgotten until it registers again", w.id(), w.address(), w.lastSeen());
            }
            return expired;
        });
    }

    private void exportVersions() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (WorkerState worker : workers()) {
            rows.add(MultiGauge.Row.of(Tags.of("worker", worker.id(), "kind", "served"), worker.servingVersion()));
            rows.add(MultiGauge.Row.of(Tags.of("worker", worker.id(), "kind", "desired"), worker.desiredVersion()));
        }
        versionsGauge.register(rows, true);
    }

    private void setState(State next, String why) {
        state = next;
        message = why;
        stateCode.set(next.ordinal());
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> TlsChannels.forTarget(a, pushTls));
    }

    @PreDestroy
    void close() {
        reconciler.shutdownNow();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}

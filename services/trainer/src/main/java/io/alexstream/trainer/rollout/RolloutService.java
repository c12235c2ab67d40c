package io.alexstream.trainer.rollout;

import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Keeps every live worker on the trainer's current version, the desired state. A rollout asks
 * one worker at a time to {@code Sync} ({@link WorkerSyncClient}: the worker pulls the version
 * from this trainer with its own credential, validates it and swaps it in), so nothing sent to a
 * worker's registered address is a secret. An unreachable worker does not stop the others: it is skipped and synced
 * again every {@link RolloutConfig#retryInterval()}, as is any worker that registers with a
 * version other than the desired one (a restart, a missed rollback, a trainer that restarted
 * mid-rollout). A worker that refuses a version stops a rollout there: the workers not yet
 * reached keep their version. Registrations expire after {@link RolloutConfig#registrationTtl()}.
 *
 * <p>With {@link RolloutConfig.Canary#enabled()}, a promoted version first goes to the canary workers (the first
 * by id) while the others keep the version before it ({@link Canary}); {@link AutoRollback} then promotes it to every
 * worker ({@link #promoteCanary}) or rolls it back on the live figures.
 *
 * <p>Shadow workers (registered with {@code shadow}) answer no callers: they are never canary workers, never hold up
 * a rollout, and serve the canary version while one runs (else the current one), so its agreement with the serving
 * version is measured on all the traffic.
 */
@ApplicationScoped
public class RolloutService {

    private static final Logger LOG = Logger.getLogger(RolloutService.class);

    public enum State {
        IDLE,
        ROLLING_OUT,
        DONE,
        FAILED,
        CONVERGING,
        CANARY
    }

    /** A worker that refused a version: not asked again for it. */
    private record Refusal(String workerId, long version) {}

    private final RolloutConfig rolloutConfig;
    private final VersionStore versions;
    private final WorkerSyncClient client;
    private final Clock clock;
    private final Map<String, WorkerState> workers = new ConcurrentHashMap<>();
    private final Set<Refusal> refusals = ConcurrentHashMap.newKeySet();
    private final AtomicInteger stateCode = new AtomicInteger();
    private final ReentrantLock rolling = new ReentrantLock();
    private final MultiGauge versionsGauge;
    private final ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "rollout-reconciler");
        thread.setDaemon(true);
        return thread;
    });
    private volatile State state = State.IDLE;
    private volatile String message = "";
    /** While a rolling update runs, the workers it has not reached yet keep their version. */
    private final Set<String> notYetReached = ConcurrentHashMap.newKeySet();
    /**
     * The version the last rollout (a rollback's included) set out to bring to the workers; at start-up, the current
     * one. A version promoted since moved the pointer before its rollout recorded its canary: until that rollout
     * begins, no worker is told to serve it.
     */
    private final AtomicLong announced = new AtomicLong();

    /** The canary in progress, if the current version is still on its canary workers only. */
    public Optional<Canary> canary() {
        return versions.canary().filter(c -> c.version() == versions.current());
    }

    /**
     * The workers that serve a canary version: the first by id, as many as {@link RolloutConfig.Canary} says, never
     * all of them (none while only one worker is registered).
     */
    public List<String> canaryWorkers() {
        List<WorkerState> live = servingWorkers();
        int n = live.size();
        double fraction = rolloutConfig.canary().fraction();
        int k = fraction <= 0 ? 1 : (int) Math.ceil(fraction * n);
        // a lone worker is never the canary: after a trainer restart the stable one may register first, and a canary
        // whose other workers expired would otherwise take all the traffic with an unproven version
        k = Math.max(0, Math.min(Math.max(1, k), n - 1));
        return live.stream().limit(k).map(WorkerState::id).toList();
    }

    public RolloutService(
            TrainerConfig config,
            RolloutConfig rolloutConfig,
            VersionStore versions,
            WorkerSyncClient client,
            MeterRegistry metrics) {
        this.rolloutConfig = rolloutConfig;
        this.versions = versions;
        this.client = client;
        this.clock = Clock.systemUTC();
        this.announced.set(versions.current());
        config.workers()
                .ifPresent(list -> list.forEach(address -> workers.put(
                        address,
                        new WorkerState(
                                address, address, -1, 0, "not heard from yet", "", 0, true, clock.instant(), false))));
        // alexstream_trainer_rollout_state: 0 idle, 1 rolling out, 2 done, 3 failed, 4 converging, 5 canary
        Gauge.builder("alexstream.trainer.rollout.state", stateCode, AtomicInteger::get)
                .strongReference(true)
                .register(metrics);
        Gauge.builder(
                        "alexstream.trainer.workers.unconverged",
                        this,
                        s -> s.servingWorkers().stream()
                                .filter(w -> !w.converged())
                                .count())
                .description("Live serving workers that do not serve the version the trainer wants them to")
                .strongReference(true)
                .register(metrics);
        this.versionsGauge = MultiGauge.builder("alexstream.trainer.worker.version")
                .description("Per worker: the version it serves (kind=served) and the one it should (kind=desired)")
                .register(metrics);
    }

    /**
     * From start-up on, syncs the workers that differ from the current version every retry interval: workers listed
     * in configuration, workers that re-register after a trainer restart (a rollout it did not finish included) and
     * workers that missed one.
     */
    void onStart(@Observes StartupEvent event) {
        long every = rolloutConfig.retryInterval().toMillis();
        reconciler.scheduleWithFixedDelay(
                () -> {
                    try {
                        reconcile(versions.current());
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "reconciling the workers failed; trying again in %d ms", every);
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    /** A serving worker's (re-)registration; returns the version it should serve. */
    public long register(String id, String address, long servingVersion) {
        return register(id, address, servingVersion, false);
    }

    /** A worker's (re-)registration; returns the version it should serve. */
    public long register(String id, String address, long servingVersion, boolean shadow) {
        long current = versions.current();
        // a static entry for the same address is replaced by the worker's own name
        workers.values().removeIf(w -> w.address().equals(address) && !w.id().equals(id));
        WorkerState known = workers.get(id);
        Instant now = clock.instant();
        if (known != null && known.address().equals(address) && known.shadow() == shadow) {
            workers.put(id, known.served(servingVersion, now));
            LOG.debugf("worker %s registered again at %s, serving version %d", id, address, servingVersion);
        } else {
            workers.put(
                    id, new WorkerState(id, address, servingVersion, current, "", "registered", 0, false, now, shadow));
            LOG.infof(
                    "%s %s registered at %s, serving version %d",
                    shadow ? "shadow worker" : "worker", id, address, servingVersion);
        }
        return desiredFor(id, servingVersion, current);
    }

    /**
     * The trainer's current version, unless a canary runs and this worker is not one of its workers (then the stable
     * version), a rolling update is under way and has not reached this worker yet, or the current version was promoted
     * and its rollout has not begun (then the version it serves). A shadow worker: the canary version while one runs,
     * else the current one.
     */
    long desiredFor(String id, long serving, long current) {
        Optional<Canary> running = canary();
        WorkerState worker = workers.get(id);
        if (worker != null && worker.shadow()) {
            return running.map(Canary::version).orElse(current);
        }
        if (running.isPresent() && !canaryWorkers().contains(id)) {
            return running.get().stable();
        }
        if (rolling.isLocked() && notYetReached.contains(id) && serving > 0) {
            return serving;
        }
        if (current > announced.get() && serving > 0) {
            // between the pointer's move and the rollout that records the canary: a heartbeat or a reconciler pass
            // here would hand an unjudged version to every worker
            return serving;
        }
        return current;
    }

    public List<WorkerState> workers() {
        List<WorkerState> list = new ArrayList<>(workers.values());
        list.sort(Comparator.comparing(WorkerState::id));
        return list;
    }

    /** The live workers that answer callers: every worker but the shadow ones. */
    public List<WorkerState> servingWorkers() {
        return workers().stream().filter(w -> !w.shadow()).toList();
    }

    public State state() {
        return state;
    }

    public String message() {
        return message;
    }

    /**
     * Rolls back to an earlier version: the pointer moves and the workers are synced to it at
     * once, not after a round in progress. The rollback wins over that round: its candidate is
     * judged and recorded but not promoted.
     *
     * @throws IllegalArgumentException when there is no such version or it is not older than the current one
     */
    public boolean rollBack(long version) throws IOException {
        versions.rollBackTo(version);
        versions.canary(Optional.empty());
        LOG.warnf("rollback to version %d requested", version);
        return rollOut(version, Optional.empty(), true);
    }

    /**
     * Ends the canary of {@code version}: every worker gets it.
     *
     * @return false when {@code version} is not the canary in progress (promoted, rolled back or superseded since)
     */
    public boolean promoteCanary(long version, String why) throws IOException {
        if (canary().filter(c -> c.version() == version).isEmpty()) {
            return false;
        }
        versions.canaryPassed(version, why);
        versions.canary(Optional.empty());
        LOG.infof("canary version %d goes to every worker: %s", version, why);
        rollOut(version, Optional.empty(), false);
        return true;
    }

    /**
     * The canary for a newly promoted {@code version}: none when canaries are off, for a first version, or with fewer
     * than two workers (nothing to compare side by side). Its stable version is the one the other workers serve: the
     * parent, or the parent's own stable version when the parent was still a canary.
     */
    private Optional<Canary> canaryFor(long version) {
        if (!rolloutConfig.canary().enabled() || servingWorkers().size() < 2) {
            return Optional.empty();
        }
        Long parent = versions.metadata(version).map(m -> m.parentVersion()).orElse(null);
        if (parent == null || parent <= 0 || parent >= version) {
            return Optional.empty();
        }
        long stable = versions.canary()
                .filter(c -> c.version() == parent)
                .map(Canary::stable)
                .orElse(parent);
        return Optional.of(new Canary(version, stable));
    }

    /**
     * Brings {@code version} to every live worker not already serving it, one at a time; for a
     * rollback, and for a trainer that restarted mid-rollout, the same. Blocks while another
     * rollout runs.
     *
     * @return true when every live worker now serves it
     */
    public boolean rollOut(long version, boolean rollback) {
        Optional<Canary> canary = Optional.empty();
        if (!rollback) {
            expireRegistrations();
            canary = canaryFor(version);
        }
        try {
            versions.canary(canary);
        } catch (IOException e) {
            LOG.errorf(
                    "the canary of version %d could not be recorded; rolling it out to every worker: %s",
                    version, e.getMessage());
            canary = Optional.empty();
        }
        return rollOut(version, canary, rollback);
    }

    private boolean rollOut(long version, Optional<Canary> canary, boolean rollback) {
        rolling.lock();
        try {
            // the canary, if any, is recorded by now: from here on the version may be handed out
            announced.set(version);
            expireRegistrations();
            List<String> targets = canary.isPresent()
                    ? canaryWorkers()
                    : servingWorkers().stream().map(WorkerState::id).toList();
            notYetReached.clear();
            notYetReached.addAll(targets);
            setState(
                    State.ROLLING_OUT,
                    "rolling out version " + version + (rollback ? " (rollback)" : "")
                            + (canary.isPresent() ? " to the canary " + targets : ""));
            List<String> unreachable = new ArrayList<>();
            for (WorkerState worker : workers()) {
                if (!targets.contains(worker.id())) {
                    continue;
                }
                // reached from here on: the worker's own registration during its Sync must learn the new version
                notYetReached.remove(worker.id());
                SyncOutcome outcome = sync(worker, version);
                if (outcome == SyncOutcome.REFUSED && !rollback) {
                    WorkerState now = workers.get(worker.id());
                    setState(
                            State.FAILED,
                            "version " + version + " stopped at worker " + worker.id() + ": " + now.lastPushResult());
                    LOG.errorf(
                            "rollout of version %d stopped: worker %s %s; workers not yet reached keep their version",
                            version, worker.id(), now.lastPushResult());
                    return false;
                }
                if (outcome != SyncOutcome.CONVERGED) {
                    unreachable.add(worker.id());
                }
            }
            syncShadows(version, canary);
            if (canary.isPresent()) {
                setState(
                        State.CANARY,
                        "canary: version " + version + " on " + targets + ", the others keep version "
                                + canary.get().stable() + " until "
                                + rolloutConfig.canary().minLabelled()
                                + " labelled answers decide"
                                + (unreachable.isEmpty() ? "" : "; not yet on " + unreachable));
                return unreachable.isEmpty();
            }
            if (unreachable.isEmpty()) {
                setState(State.DONE, "every worker serves version " + version);
                return true;
            }
            setState(
                    State.CONVERGING,
                    "version " + version + " is current; not yet on " + unreachable + " (retried every "
                            + rolloutConfig.retryInterval().toSeconds() + " s)");
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
                long desired = desiredFor(worker.id(), worker.servingVersion(), current);
                if (worker.servingVersion() == desired) {
                    explain(worker.id(), desired, "");
                    continue;
                }
                if (refusals.contains(new Refusal(worker.id(), desired))) {
                    all &= worker.shadow();
                    continue;
                }
                // a shadow worker answers no callers: the serving workers alone say whether the rollout is done
                all &= sync(worker, desired) == SyncOutcome.CONVERGED || worker.shadow();
            }
            if (all && state == State.CONVERGING) {
                setState(State.DONE, "every worker serves version " + current);
            }
        } finally {
            rolling.unlock();
            exportVersions();
        }
    }

    /**
     * After the serving workers: each shadow worker gets the canary version (else {@code version}); one that refuses
     * or cannot be reached is synced again by the reconciler and stops nothing.
     */
    private void syncShadows(long version, Optional<Canary> canary) {
        long desired = canary.map(Canary::version).orElse(version);
        for (WorkerState worker : workers()) {
            if (worker.shadow()) {
                sync(worker, desired);
            }
        }
    }

    private SyncOutcome sync(WorkerState worker, long version) {
        explain(worker.id(), version, "rolling out");
        if (worker.servingVersion() == version) {
            explain(worker.id(), version, "");
            return SyncOutcome.CONVERGED;
        }
        WorkerSyncClient.Answer answer = client.sync(worker, version);
        WorkerState now = workers.get(worker.id());
        if (now != null) {
            workers.put(worker.id(), now.synced(answer.servingVersion(), answer.result(), answer.seconds()));
        }
        if (answer.outcome() == SyncOutcome.REFUSED) {
            refusals.add(new Refusal(worker.id(), version));
        }
        explain(worker.id(), version, answer.outcome() == SyncOutcome.CONVERGED ? "" : answer.result());
        return answer.outcome();
    }

    private void explain(String id, long desired, String why) {
        workers.computeIfPresent(id, (k, w) -> w.wants(desired, why));
    }

    private void expireRegistrations() {
        Instant oldest = clock.instant().minus(rolloutConfig.registrationTtl());
        workers.values().removeIf(w -> {
            boolean expired = !w.configured() && w.lastSeen().isBefore(oldest);
            if (expired) {
                LOG.warnf(
                        "worker %s at %s not heard from since %s: forgotten until it registers again",
                        w.id(), w.address(), w.lastSeen());
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

    @PreDestroy
    void close() {
        reconciler.shutdownNow();
    }
}

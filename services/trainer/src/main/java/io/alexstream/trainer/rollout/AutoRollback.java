package io.alexstream.trainer.rollout;

import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.AutoRollbackConfig;
import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.evaluation.EvaluationRecord;
import io.alexstream.trainer.evaluation.LiveFigures;
import io.alexstream.trainer.evaluation.ShadowAgreement;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.RollbackRecord;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Rolls the serving version back by itself when {@link RollbackPolicy} finds its live top-1 clearly below the
 * version's before it (its parent, else the highest older version). It takes the operator's path,
 * {@link RolloutService#rollBack}, so every worker converges on the older version exactly as after an operator's
 * rollback; then it records why in the version's lineage ({@link VersionStore#recordRollback}) and counts it in
 * {@code alexstream.trainer.auto.rollbacks}. At most once per version, including across restarts; off with
 * {@code alexstream.rollback.auto.enabled=false}. A canary ({@link RolloutService#canary()}) is judged against the
 * version the other workers keep serving, by the same test: worse, it is rolled back; not worse once it has
 * {@code alexstream.rollout.canary.min-labelled} labelled answers, it goes to every worker. A version that passed its
 * canary is not judged again: compared with one that served before it, on other traffic, it would be rolled back for a
 * drift of the traffic (the drift scenario did exactly that before this rule). A version that had no canary (canaries
 * off, or a single worker) is judged against the version before it. A canary is also rolled back,
 * without waiting for labels, when its shadow workers' answers agree too rarely with the serving ones
 * ({@link ShadowPolicy}, {@code alexstream.rollout.shadow.*}); its promotion stays on labels. Judged on its own thread,
 * so neither the evaluations consumer nor the evaluator waits for a rollout.
 */
// created at start-up, so its counter is exported at 0 and increase() sees the first rollback
@Startup
@ApplicationScoped
public class AutoRollback {

    private static final Logger LOG = Logger.getLogger(AutoRollback.class);

    private final boolean enabled;
    private final RollbackPolicy policy;
    private final ShadowPolicy shadowPolicy;
    private final VersionStore versions;
    private final RolloutService rollout;
    private final Counter rollbacks;
    private final Counter canaryPromotions;
    private final long canaryMinLabelled;
    private final Set<Long> tried = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Map<Long, EvaluationRecord>> figures = new AtomicReference<>(Map.of());
    private final AtomicReference<Map<Long, ShadowAgreement>> shadow = new AtomicReference<>(Map.of());
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ExecutorService judge = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "auto-rollback");
        thread.setDaemon(true);
        return thread;
    });

    public AutoRollback(
            AutoRollbackConfig config,
            RolloutConfig rolloutConfig,
            VersionStore versions,
            RolloutService rollout,
            LiveFigures live,
            MeterRegistry metrics) {
        this.enabled = config.enabled();
        this.policy = new RollbackPolicy(config.minLabelled(), config.confidence(), config.minDrop());
        this.shadowPolicy = new ShadowPolicy(
                rolloutConfig.shadow().minCompared(), rolloutConfig.shadow().minAgreement());
        this.versions = versions;
        this.rollout = rollout;
        this.rollbacks = Counter.builder("alexstream.trainer.auto.rollbacks")
                .description("Versions the trainer rolled back by itself on their live figures")
                .register(metrics);
        this.canaryPromotions = Counter.builder("alexstream.trainer.canary.promotions")
                .description("Canary versions the live figures promoted to every worker")
                .register(metrics);
        this.canaryMinLabelled = rolloutConfig.canary().minLabelled();
        live.onShadow(this::onShadow);
    }

    /** New figures: judged soon on this class's thread; a burst of updates is judged once, on the latest. */
    public void onFigures(Map<Long, EvaluationRecord> latest) {
        figures.set(latest);
        judgeSoon();
    }

    /** New shadow agreement figures: judged like {@link #onFigures}, with the latest live figures. */
    public void onShadow(Map<Long, ShadowAgreement> latest) {
        shadow.set(latest);
        judgeSoon();
    }

    private void judgeSoon() {
        if (queued.compareAndSet(false, true)) {
            judge.execute(() -> {
                queued.set(false);
                try {
                    judgeShadow(shadow.get());
                    judge(figures.get());
                } catch (RuntimeException e) {
                    LOG.errorf(e, "judging the live figures failed; judged again on the next update");
                }
            });
        }
    }

    /** A canary whose shadow answers disagree too often with the serving ones goes back to its stable version. */
    void judgeShadow(Map<Long, ShadowAgreement> latest) {
        long serving = versions.current();
        Optional<Canary> canary = rollout.canary();
        ShadowAgreement agreement = latest.get(serving);
        if (canary.isEmpty()
                || agreement == null
                || tried.contains(serving)
                || versions.rollback(serving).isPresent()) {
            return;
        }
        ShadowPolicy.Decision decision = shadowPolicy.decide(agreement);
        if (!decision.rollBack()) {
            LOG.debugf("canary version %d stays: %s", serving, decision.why());
            return;
        }
        tried.add(serving);
        long stable = canary.get().stable();
        if (!enabled) {
            LOG.warnf(
                    "canary version %d disagrees with version %d, left to the operators: %s",
                    serving, stable, decision.why());
            return;
        }
        LOG.warnf("rolling canary version %d back to %d by itself: %s", serving, stable, decision.why());
        if (!rollBack(serving, stable)) {
            return;
        }
        EvaluationRecord labelled = figures.get().get(serving);
        EvaluationRecord stableLabelled = figures.get().get(stable);
        RollbackRecord reason = new RollbackRecord(
                serving,
                stable,
                Instant.now().toString(),
                decision.why(),
                labelled == null ? 0 : labelled.labelled(),
                labelled == null ? 0 : labelled.top1(),
                stableLabelled == null ? 0 : stableLabelled.labelled(),
                stableLabelled == null ? 0 : stableLabelled.top1(),
                Double.NaN,
                Double.NaN,
                policy.confidence(),
                policy.minDrop(),
                agreement.compared(),
                agreement.agreement());
        record(serving, reason);
    }

    /** The operator's rollback path; false when the pointer did not move. */
    private boolean rollBack(long serving, long before) {
        try {
            boolean converged = rollout.rollBack(before);
            rollbacks.increment();
            LOG.warnf(
                    "version %d rolled back to %d; %s",
                    serving, before, converged ? "every worker serves it" : "converging: " + rollout.message());
            return true;
        } catch (IOException | IllegalArgumentException e) {
            // e.g. an operator rolled back or a round promoted in between: the pointer did not move
            LOG.errorf("automatic rollback of version %d to %d not done: %s", serving, before, e.getMessage());
            return false;
        }
    }

    /** The latest automatic rollback, as recorded in the versions' lineage. */
    public Optional<RollbackRecord> last() {
        return versions.rollbacks().stream().max(Comparator.comparing(RollbackRecord::at));
    }

    private void judge(Map<Long, EvaluationRecord> latest) {
        long serving = versions.current();
        if (serving <= 0
                || tried.contains(serving)
                || versions.rollback(serving).isPresent()) {
            return;
        }
        Optional<Canary> canary = rollout.canary();
        if (canary.isEmpty() && versions.canaryPassed(serving)) {
            // it was compared with the stable version on the same traffic and passed; against a version that served
            // earlier, a drift of the traffic would look like a worse version
            return;
        }
        // a canary is judged against the version the other workers serve meanwhile
        long before = canary.map(Canary::stable).orElseGet(() -> previous(serving));
        EvaluationRecord servingFigures = latest.get(serving);
        EvaluationRecord previousFigures = latest.get(before);
        if (before <= 0 || servingFigures == null || previousFigures == null) {
            return;
        }
        RollbackPolicy.Decision decision = policy.decide(servingFigures, previousFigures);
        if (!decision.rollBack()) {
            LOG.debugf("version %d stays: %s", serving, decision.why());
            if (canary.isPresent() && !Double.isNaN(decision.z()) && servingFigures.labelled() >= canaryMinLabelled) {
                promote(serving, decision);
            }
            return;
        }
        if (!enabled) {
            tried.add(serving);
            LOG.warnf(
                    "version %d does worse than version %d, left to the operators: %s",
                    serving, before, decision.why());
            return;
        }
        tried.add(serving);
        LOG.warnf("rolling version %d back to %d by itself: %s", serving, before, decision.why());
        if (rollBack(serving, before)) {
            record(serving, before, decision);
        }
    }

    private void promote(long serving, RollbackPolicy.Decision decision) {
        try {
            if (rollout.promoteCanary(serving, decision.why())) {
                canaryPromotions.increment();
            }
        } catch (IOException e) {
            LOG.errorf(
                    "canary version %d could not be promoted, judged again on the next figures: %s",
                    serving, e.getMessage());
        }
    }

    private void record(long serving, long before, RollbackPolicy.Decision decision) {
        RollbackRecord reason = new RollbackRecord(
                serving,
                before,
                Instant.now().toString(),
                decision.why(),
                decision.serving().labelled(),
                decision.serving().top1(),
                decision.previous().labelled(),
                decision.previous().top1(),
                decision.z(),
                decision.pValue(),
                policy.confidence(),
                policy.minDrop(),
                0,
                0);
        record(serving, reason);
    }

    private void record(long serving, RollbackRecord reason) {
        try {
            versions.recordRollback(reason);
        } catch (IOException e) {
            LOG.errorf("version %d was rolled back, but why could not be recorded: %s", serving, e.getMessage());
        }
    }

    /** The version that served before {@code serving}: its parent when stored, else the highest older version. */
    long previous(long serving) {
        Optional<Long> parent = versions.metadata(serving).map(WeightsMetadata::parentVersion);
        if (parent.isPresent()
                && parent.get() < serving
                && versions.metadata(parent.get()).isPresent()) {
            return parent.get();
        }
        return versions.versions().stream()
                .mapToLong(WeightsMetadata::version)
                .filter(v -> v < serving)
                .max()
                .orElse(0);
    }

    @PreDestroy
    void close() {
        judge.shutdownNow();
    }
}

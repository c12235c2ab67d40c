package io.alexstream.trainer.evaluation;

import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The evaluator's figures as the trainer shows them: {@code alexstream_evaluation_top1/top5/ece/labelled{version}},
 * the serving and previous version's top-1 and labelled count (what {@code AlexstreamLiveAccuracyDrop} compares),
 * the label and prediction outcome counters, and {@code live} in {@code /v1/status}; per shadow version,
 * {@code alexstream_evaluation_shadow_compared/agreement{version}} and {@code shadow} in {@code /v1/status}. It only
 * mirrors the evaluator's committed-or-retried totals, so it can be told the same total twice without counting
 * anything twice. Created at start-up, so the outcome counters are scraped at 0 before the first label, and rate()
 * sees that label.
 */
@Startup
@ApplicationScoped
public class LiveFigures implements EvaluationListener {

    private final MeterRegistry metrics;
    private final LongSupplier servingVersion;
    private final ConcurrentSkipListMap<Long, VersionFigures> figures = new ConcurrentSkipListMap<>();
    private final Map<Outcome, Map<String, Long>> outcomes = new ConcurrentHashMap<>();
    /** Per shadow version, per task: {compared, agreed}, the task's latest totals. */
    private final Map<Long, Map<String, long[]>> shadowCounts = new ConcurrentSkipListMap<>();

    private final List<Consumer<Map<Long, ShadowAgreement>>> shadowListeners = new CopyOnWriteArrayList<>();

    @Inject
    public LiveFigures(MeterRegistry metrics, VersionStore versions) {
        this(metrics, versions::current);
    }

    LiveFigures(MeterRegistry metrics, LongSupplier servingVersion) {
        this.metrics = metrics;
        this.servingVersion = servingVersion;
        for (Outcome outcome : Outcome.values()) {
            Map<String, Long> byTask = outcomes.computeIfAbsent(outcome, o -> new ConcurrentHashMap<>());
            FunctionCounter.builder(outcome.stream().meter(), byTask, LiveFigures::sum)
                    .tag("outcome", outcome.tag())
                    .register(metrics);
        }
        servingGauge("alexstream.evaluation.serving.top1", VersionFigures::top1, false);
        servingGauge("alexstream.evaluation.serving.labelled", f -> f.labelled(), false);
        servingGauge("alexstream.evaluation.previous.top1", VersionFigures::top1, true);
        servingGauge("alexstream.evaluation.previous.labelled", f -> f.labelled(), true);
    }

    @Override
    public void figures(VersionFigures update) {
        if (figures.put(update.version(), update) == null) {
            String version = Long.toString(update.version());
            long key = update.version();
            gauge("alexstream.evaluation.top1", version, key, VersionFigures::top1);
            gauge("alexstream.evaluation.top5", version, key, VersionFigures::top5);
            gauge("alexstream.evaluation.ece", version, key, VersionFigures::ece);
            gauge("alexstream.evaluation.labelled", version, key, f -> f.labelled());
        }
    }

    @Override
    public void outcome(Outcome outcome, String task, long total) {
        outcomes.get(outcome).merge(task, total, Math::max);
    }

    @Override
    public void shadow(long version, String task, long compared, long agreed) {
        Map<String, long[]> byTask = shadowCounts.computeIfAbsent(version, v -> {
            String tag = Long.toString(v);
            Gauge.builder(
                            "alexstream.evaluation.shadow.compared",
                            this,
                            live -> live.shadowOf(v).compared())
                    .description("Answers of this shadow version compared with a serving answer for the same image")
                    .tag("version", tag)
                    .strongReference(true)
                    .register(metrics);
            Gauge.builder(
                            "alexstream.evaluation.shadow.agreement",
                            this,
                            live -> live.shadowOf(v).agreement())
                    .description("Share of this shadow version's compared answers whose top-1 agreed")
                    .tag("version", tag)
                    .strongReference(true)
                    .register(metrics);
            return new ConcurrentHashMap<>();
        });
        // totals, not increments: a retried transaction repeats a total, which must not count twice
        byTask.merge(task, new long[] {compared, agreed}, (old, now) -> now[0] >= old[0] ? now : old);
        Map<Long, ShadowAgreement> all = shadow();
        shadowListeners.forEach(listener -> listener.accept(all));
    }

    /** Told every shadow update, with every shadow version's agreement so far (the automatic rollback). */
    public void onShadow(Consumer<Map<Long, ShadowAgreement>> listener) {
        shadowListeners.add(listener);
    }

    /** Every shadow version's agreement so far, all tasks added up. */
    public Map<Long, ShadowAgreement> shadow() {
        Map<Long, ShadowAgreement> all = new TreeMap<>();
        shadowCounts.keySet().forEach(version -> all.put(version, shadowOf(version)));
        return all;
    }

    /** {@code /v1/status}'s {@code shadow}: per shadow version, compared and agreement. */
    public Map<String, Map<String, Object>> shadowStatus() {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        shadow().forEach((version, agreement) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("compared", agreement.compared());
            row.put("agreement", agreement.agreement());
            rows.put(Long.toString(version), row);
        });
        return rows;
    }

    private ShadowAgreement shadowOf(long version) {
        long compared = 0;
        long agreed = 0;
        for (long[] counts : shadowCounts.getOrDefault(version, Map.of()).values()) {
            compared += counts[0];
            agreed += counts[1];
        }
        return new ShadowAgreement(version, compared, agreed);
    }

    /** Records with this outcome so far, all partitions. */
    public long count(Outcome outcome) {
        return (long) sum(outcomes.get(outcome));
    }

    /** {@code /v1/status}'s {@code label_outcomes}: labels so far by what became of them (joined, duplicate, ...). */
    public Map<String, Long> labelOutcomes() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Outcome outcome : Outcome.values()) {
            if (outcome.stream() == Outcome.Stream.LABELS) {
                counts.put(outcome.tag(), count(outcome));
            }
        }
        return counts;
    }

    /** One version's figures, if a label joined one of its predictions. */
    public Optional<VersionFigures> of(long version) {
        return Optional.ofNullable(figures.get(version));
    }

    /** {@code /v1/status}'s {@code live}: per version, labelled, top1, top5, ece. */
    public Map<String, Map<String, Object>> status() {
        Map<String, Map<String, Object>> live = new LinkedHashMap<>();
        figures.forEach((version, f) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("labelled", f.labelled());
            row.put("top1", f.top1());
            row.put("top5", f.top5());
            row.put("ece", f.ece());
            live.put(Long.toString(version), row);
        });
        return live;
    }

    /** The serving version's figures, or (previous) those of the newest older version that has any. */
    Optional<VersionFigures> servingOrPrevious(boolean previous) {
        long serving = servingVersion.getAsLong();
        if (!previous) {
            return Optional.ofNullable(figures.get(serving));
        }
        return Optional.ofNullable(figures.lowerEntry(serving)).map(Map.Entry::getValue);
    }

    private void servingGauge(String name, ToDoubleFunction<VersionFigures> value, boolean previous) {
        Gauge.builder(
                        name,
                        this,
                        live -> live.servingOrPrevious(previous)
                                .map(value::applyAsDouble)
                                .orElse(Double.NaN))
                .strongReference(true)
                .register(metrics);
    }

    private void gauge(String name, String version, long key, ToDoubleFunction<VersionFigures> value) {
        Gauge.builder(name, figures, all -> value.applyAsDouble(all.get(key)))
                .tag("version", version)
                .strongReference(true)
                .register(metrics);
    }

    private static double sum(Map<String, Long> byTask) {
        return byTask.values().stream().mapToLong(Long::longValue).sum();
    }
}

package io.alexstream.trainer.evaluation;

import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The evaluator's figures as the trainer shows them: {@code alexstream_evaluation_top1/top5/ece/labelled{version}},
 * the serving and previous version's top-1 and labelled count (what {@code AlexstreamLiveAccuracyDrop} compares),
 * the label and prediction outcome counters, and {@code live} in {@code /v1/status}. It only mirrors the evaluator's
 * committed-or-retried totals, so it can be told the same total twice without counting anything twice. Created at
 * start-up, so the outcome counters are scraped at 0 before the first label, and rate() sees that label.
 */
@Startup
@ApplicationScoped
public class LiveFigures implements EvaluationListener {

    private final MeterRegistry metrics;
    private final LongSupplier servingVersion;
    private final ConcurrentSkipListMap<Long, VersionFigures> figures = new ConcurrentSkipListMap<>();
    private final Map<Outcome, Map<String, Long>> outcomes = new ConcurrentHashMap<>();

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

package io.alexstream.trainer.training;

import io.alexstream.engine.training.Trainer;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of training rounds: the serving version and its holdout accuracy, each promoted
 * version's holdout accuracy, the last loss, learning rate and training speed, and how rounds
 * ended and how long they took. Every series exists from start-up, so {@code increase()} and
 * {@code rate()} see the first round.
 */
@Singleton
public class TrainerMetrics {

    private static final String ROUNDS = "alexstream.trainer.rounds";
    private static final String ROUND_DURATION = "alexstream.trainer.round.duration";

    private final MeterRegistry registry;
    private final AtomicLong lastLossMicros = new AtomicLong();
    private final AtomicLong learningRateMicros = new AtomicLong();
    private final AtomicLong trainingImagesPerMilliSecond = new AtomicLong();

    public TrainerMetrics(MeterRegistry registry, VersionStore versions) {
        this.registry = registry;
        Gauge.builder("alexstream.trainer.model.version", versions, VersionStore::current)
                .strongReference(true)
                .register(registry);
        Gauge.builder("alexstream.trainer.training.loss", lastLossMicros, v -> v.get() / 1e6)
                .strongReference(true)
                .register(registry);
        Gauge.builder("alexstream.trainer.learning.rate", learningRateMicros, v -> v.get() / 1e6)
                .strongReference(true)
                .register(registry);
        Gauge.builder("alexstream.trainer.training.images.per.second", trainingImagesPerMilliSecond, v -> v.get() / 1e3)
                .strongReference(true)
                .register(registry);
        for (String key : PromotionGate.HOLDOUT_METRICS) {
            // follows rollbacks too: the accuracy-regression alert compares it with the best version's
            Gauge.builder(
                            "alexstream.trainer.serving.holdout.accuracy",
                            versions,
                            store -> store.metadata(store.current())
                                    .map(m -> m.metrics().getOrDefault(key, Double.NaN))
                                    .orElse(Double.NaN))
                    .tags("metric", key)
                    .strongReference(true)
                    .register(registry);
        }
        versions.versions().forEach(version -> versionPromoted(version.version(), version.metrics()));
        // at 0 from the start: increase() cannot see the first round of a series born at 1
        for (RoundOutcome outcome : List.of(RoundOutcome.PROMOTED, RoundOutcome.REJECTED, RoundOutcome.FAILED)) {
            registry.counter(ROUNDS, "outcome", outcome.tag());
        }
        Timer.builder(ROUND_DURATION).register(registry);
    }

    /** A training step's report: loss, learning rate and speed. */
    void progress(Trainer.Progress progress) {
        lastLossMicros.set((long) (progress.meanLoss() * 1e6));
        learningRate(progress.learningRate());
        trainingImagesPerMilliSecond.set((long) (progress.imagesPerSecond() * 1e3));
    }

    void learningRate(float rate) {
        learningRateMicros.set((long) (rate * 1e6));
    }

    /** A round that trained to the end, promoted or not. */
    void roundFinished(RoundOutcome outcome, Duration took) {
        registry.counter(ROUNDS, "outcome", outcome.tag()).increment();
        Timer.builder(ROUND_DURATION).register(registry).record(took);
    }

    /** A round that threw before it came to a verdict. */
    void roundFailed() {
        registry.counter(ROUNDS, "outcome", RoundOutcome.FAILED.tag()).increment();
    }

    /** The holdout figures of a version, one gauge per figure, from its promotion (or start-up) on. */
    void versionPromoted(long version, Map<String, Double> accuracy) {
        for (String key : PromotionGate.HOLDOUT_METRICS) {
            if (accuracy.containsKey(key)) {
                Gauge.builder("alexstream.trainer.holdout.accuracy", accuracy, a -> a.get(key))
                        .tags("version", Long.toString(version), "metric", key)
                        .strongReference(true)
                        .register(registry);
            }
        }
    }
}

package io.alexstream.trainer.training;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.training.Accuracy;
import io.alexstream.engine.training.Evaluator;
import io.alexstream.engine.training.Example;
import io.alexstream.engine.training.MeanImage;
import io.alexstream.engine.training.PcaColourAugmentation;
import io.alexstream.engine.training.Trainer;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.messaging.Channels;
import io.alexstream.trainer.rollout.RolloutService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Training rounds, one at a time on their own thread. A round starts when enough new
 * training examples arrived, when the interval passed with new data, or when asked. It
 * trains with the paper's recipe from the current version (or from scratch for the first),
 * judges the candidate and the current version on the same holdout (top-1/top-5, ten crops
 * and centre crop), promotes the candidate only if it is better (the first must beat chance
 * by a margin), records parent, metrics, hyperparameters and lineage, and rolls it out.
 * A rejected round divides the learning rate by 10 for the next, three times at most: the
 * paper's schedule, with "validation error stopped improving" read as "the round did not
 * beat the serving version".
 */
@ApplicationScoped
public class RoundService {

    private static final Logger LOG = Logger.getLogger(RoundService.class);

    /**
     * What a finished round found. {@code imagesPerSecond} is the whole training phase (graph warm-up, augmentation,
     * validation passes); {@code steadyImagesPerSecond} only the training steps after the round's first check, the
     * figure comparable with the bare engine's step rate.
     */
    public record RoundResult(int round, String trigger, boolean promoted, long version, Map<String, Double> candidate,
                              Map<String, Double> serving, String decision, double seconds, long trainingSteps, double imagesPerSecond,
                              double steadyImagesPerSecond, double meanLoss, float learningRate, String finishedAt) {
    }

    private final TrainerConfig config;
    private final ExampleBank bank;
    private final RolloutService rollout;
    private final MeterRegistry metrics;
    private final ChannelRegistry channels;
    private final VersionStore versions;
    private final AlexNetConfig modelConfig;
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-round"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "round-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    private final AtomicLong newTrainingExamples = new AtomicLong();
    private final List<RoundResult> history = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicReference<String> activity = new AtomicReference<>("IDLE");
    private final AtomicLong lastLossMicros = new AtomicLong();
    private final AtomicLong learningRateMicros = new AtomicLong();
    private final AtomicLong trainingImagesPerSecond = new AtomicLong();
    private AlexNetModel model;
    private float learningRate;
    private int rateDrops;

    /** The holdout figures every version records and Prometheus gets, per version and for the serving one. */
    static final List<String> HOLDOUT_METRICS = List.of("top1", "top5", "top1_center", "top5_center");

    public RoundService(TrainerConfig config, ExampleBank bank, RolloutService rollout, MeterRegistry metrics, ChannelRegistry channels) {
        this.config = config;
        this.bank = bank;
        this.rollout = rollout;
        this.metrics = metrics;
        this.channels = channels;
        this.modelConfig = bank.modelConfig();
        try {
            this.versions = VersionStore.open(Path.of(config.dataDir()).resolve("versions"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the versions under " + config.dataDir(), e);
        }
        this.learningRate = config.learningRate().orElse(Trainer.Options.forProfile(modelConfig).learningRate());
        learningRateMicros.set((long) (learningRate * 1e6));
        Gauge.builder("alexstream.trainer.model.version", versions, VersionStore::current).strongReference(true).register(metrics);
        Gauge.builder("alexstream.trainer.training.loss", lastLossMicros, v -> v.get() / 1e6).strongReference(true).register(metrics);
        Gauge.builder("alexstream.trainer.learning.rate", learningRateMicros, v -> v.get() / 1e6).strongReference(true).register(metrics);
        Gauge.builder("alexstream.trainer.training.images.per.second", trainingImagesPerSecond, v -> v.get() / 1e3)
                .strongReference(true).register(metrics);
        for (String key : HOLDOUT_METRICS) {
            // follows rollbacks too: the accuracy-regression alert compares it with the best version's
            Gauge.builder("alexstream.trainer.serving.holdout.accuracy", versions,
                            store -> store.metadata(store.current()).map(m -> m.metrics().getOrDefault(key, Double.NaN)).orElse(Double.NaN))
                    .tags("metric", key).strongReference(true).register(metrics);
        }
        versions.versions().forEach(version -> exportHoldoutAccuracy(version.version(), version.metrics()));
        // at 0 from the start: increase() cannot see the first round of a series born at 1
        for (String outcome : List.of("promoted", "rejected", "failed")) {
            metrics.counter("alexstream.trainer.rounds", "outcome", outcome);
        }
        Timer.builder("alexstream.trainer.round.duration").register(metrics);
    }

    /**
     * Images per second of the training steps after the first progress report: that first stretch carries the
     * graph's warm-up, and the time between reports leaves out the validation passes. NaN with fewer than two reports.
     */
    static double steadyImagesPerSecond(List<Trainer.Progress> history, int batchSize) {
        double images = 0;
        double seconds = 0;
        for (int i = 1; i < history.size(); i++) {
            int previous = history.get(i - 1).step();
            int step = history.get(i).step();
            // the anneal phase is a second run whose step count starts again at zero
            double stretch = (step > previous ? step - previous : step) * (double) batchSize;
            images += stretch;
            seconds += stretch / history.get(i).imagesPerSecond();
        }
        return seconds > 0 ? images / seconds : Double.NaN;
    }

    private void exportHoldoutAccuracy(long version, Map<String, Double> accuracy) {
        for (String key : HOLDOUT_METRICS) {
            if (accuracy.containsKey(key)) {
                Gauge.builder("alexstream.trainer.holdout.accuracy", accuracy, a -> a.get(key))
                        .tags("version", Long.toString(version), "metric", key).strongReference(true).register(metrics);
            }
        }
    }

    void onStart(@Observes StartupEvent event) {
        config.roundInterval().ifPresent(interval -> timer.scheduleAtFixedRate(() -> {
            if (newTrainingExamples.get() > 0) {
                trigger("timer");
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS));
        // the current version is the desired state: workers listed in configuration, workers that re-register after a
        // trainer restart (a rollout it did not finish included) and workers that missed one are synced to it
        rollout.startReconciling(versions::current);
    }

    void onStop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
        rounds.shutdownNow();
        try {
            rounds.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (model != null) {
            model.close();
        }
    }

    void onNewExamples(@Observes ExampleBank.NewExamples added) {
        if (newTrainingExamples.addAndGet(added.training()) >= config.minNewExamples()) {
            trigger("new examples");
        }
    }

    /** Queues a round unless one is already waiting; says what happened. */
    public String trigger(String why) {
        return trigger(why, 0);
    }

    /** Queues a round of {@code epochs} passes (0: the configured number). */
    public String trigger(String why, int epochs) {
        if (!roundQueued.compareAndSet(false, true)) {
            return "a round is already queued";
        }
        rounds.submit(() -> {
            roundQueued.set(false);
            try {
                runRound(why, epochs > 0 ? epochs : config.epochsPerRound());
            } catch (Throwable e) {
                LOG.errorf(e, "training round (%s) failed", why);
                activity.set("IDLE");
                metrics.counter("alexstream.trainer.rounds", "outcome", "failed").increment();
            }
        });
        return "round queued (" + why + ")";
    }

    /**
     * Rolls back to an earlier version: the pointer moves and the workers are synced to it at
     * once, not after a round in progress. The rollback wins over that round: its candidate is
     * judged and recorded but not promoted (see {@link #train}).
     */
    public boolean rollBack(long version) throws IOException {
        versions.rollBackTo(version);
        LOG.warnf("rollback to version %d requested", version);
        return rollout.rollOut(version, true);
    }

    private void runRound(String trigger, int epochs) throws IOException, WeightsFormatException {
        long started = System.nanoTime();
        long newExamples = newTrainingExamples.getAndSet(0);
        ExampleBank.Snapshot snapshot = bank.snapshot();
        List<Example> training = snapshot.training();
        List<Example> holdout = snapshot.holdout();
        if (training.size() < config.batchSize() || holdout.isEmpty()) {
            LOG.infof("round (%s) skipped: %d training and %d holdout examples", trigger, training.size(), holdout.size());
            newTrainingExamples.addAndGet(newExamples);
            return;
        }
        activity.set("TRAINING");
        PausableChannel intake = config.pauseIntakeDuringRounds() ? channels.getPausable(Channels.LABELED_IN) : null;
        if (intake != null) {
            intake.pause();
        }
        long promoted;
        try {
            promoted = train(trigger, epochs, started, snapshot);
        } finally {
            if (intake != null) {
                intake.resume();
            }
        }
        if (promoted > 0) {
            activity.set("ROLLING_OUT");
            rollout.rollOut(promoted, false);
        }
        activity.set("IDLE");
    }

    /** Trains, judges and records one round; returns the version it promoted, 0 when the candidate was rejected. */
    private long train(String trigger, int epochs, long started, ExampleBank.Snapshot snapshot) throws IOException, WeightsFormatException {
        List<Example> training = snapshot.training();
        List<Example> holdout = snapshot.holdout();
        int round = history.size() + 1;
        if (model == null) {
            model = AlexNetModel.create(modelConfig, SessionOptions.cpu());
        }
        long parent = versions.current();
        Map<String, Double> serving = Map.of();
        if (parent > 0) {
            model.load(versions.load(parent));
            serving = evaluate(holdout);
        } else {
            List<ScaledImage> images = training.stream().map(Example::image).toList();
            model.initialize(config.seed(), MeanImage.of(images));
        }
        Trainer.Options options = Trainer.Options.forProfile(modelConfig)
                .withEpochs(epochs)
                .withBatchSize(config.batchSize())
                .withLearningRate(learningRate)
                .withEvaluationsPerEpoch(4);
        List<ScaledImage> sample = training.subList(0, Math.min(2000, training.size())).stream().map(Example::image).toList();
        Trainer trainer = new Trainer(model, PcaColourAugmentation.fit(sample));
        LOG.infof("round %d (%s): %d training / %d validation / %d holdout examples, %d epochs from version %d, lr %g", round,
                trigger, training.size(), snapshot.validation().size(), holdout.size(), epochs, parent, learningRate);
        long trainStarted = System.nanoTime();
        // the plateau schedule refines a serving model; a first model learns at the full rate
        List<Example> validation = parent > 0 ? snapshot.validation() : List.of();
        java.util.function.Consumer<Trainer.Progress> progressListener = progress -> {
            lastLossMicros.set((long) (progress.meanLoss() * 1e6));
            learningRateMicros.set((long) (progress.learningRate() * 1e6));
            trainingImagesPerSecond.set((long) (progress.imagesPerSecond() * 1e3));
            LOG.infof("round %d epoch %d step %d: loss %.4f, lr %g, validation top-1 %.4f, %.0f images/s", round, progress.epoch(),
                    progress.step(), progress.meanLoss(), progress.learningRate(), progress.validation().top1(), progress.imagesPerSecond());
        };
        // two fifths of a refinement round's epochs (at least one) at a tenth of the rate
        int annealEpochs = parent > 0 && config.annealLastEpoch() && epochs >= 2 ? Math.max(1, 2 * epochs / 5) : 0;
        boolean anneal = annealEpochs > 0;
        Trainer.Result result = trainer.train(training, validation,
                options.withEpochs(epochs - annealEpochs).withSeed(config.seed() + round), progressListener);
        if (anneal) {
            // the paper's "divide by 10" at the latest for the end of the round (on this data the validation often keeps
            // creeping up for several epochs); if the schedule already divided, the round goes on at its rate
            float scheduleRate = result.history().isEmpty() ? learningRate : result.history().get(result.history().size() - 1).learningRate();
            float annealRate = Math.min(scheduleRate, learningRate / 10);
            Trainer.Result last = trainer.train(training, List.of(), options.withEpochs(annealEpochs).withLearningRate(annealRate)
                    .withSeed(config.seed() + round + 1_000_000L), progressListener);
            List<Trainer.Progress> both = new ArrayList<>(result.history());
            both.addAll(last.history());
            result = new Trainer.Result(last.validation(), both, result.steps() + last.steps());
        }
        double trainSeconds = (System.nanoTime() - trainStarted) / 1e9;
        double imagesPerSecond = result.steps() * (double) options.batchSize() / trainSeconds;
        double meanLoss = result.history().isEmpty() ? Double.NaN : result.history().get(result.history().size() - 1).meanLoss();
        Map<String, Double> candidate = evaluate(holdout);
        double chance = 1.0 / modelConfig.numClasses();
        double bar = parent == 0 ? chance + config.firstModelMargin() : serving.get("top1");
        boolean beatsBar = candidate.get("top1") > bar;
        // an operator's rollback during the round moved the current version: the rollback wins, the candidate (trained
        // from the version it rolled away from) is recorded, not promoted
        long currentNow = versions.current();
        boolean superseded = currentNow != parent;
        boolean promoted = beatsBar && !superseded;
        String decision = superseded
                ? String.format("superseded: version %d became current while this round trained from version %d (a rollback wins)",
                        currentNow, parent)
                : parent == 0
                ? String.format("first model: top-1 %.4f vs chance %.4f + margin %.2f", candidate.get("top1"), chance, config.firstModelMargin())
                : String.format("top-1 %.4f vs serving version %d's %.4f on the same holdout", candidate.get("top1"), parent, serving.get("top1"));
        long version = 0;
        if (promoted) {
            version = versions.latest() + 1;
            Map<String, Double> recorded = new LinkedHashMap<>(candidate);
            recorded.put("holdout_examples", (double) holdout.size());
            recorded.put("training_examples", (double) training.size());
            recorded.put("mean_loss", meanLoss);
            Map<String, String> hyperparameters = new LinkedHashMap<>();
            hyperparameters.put("epochs", Integer.toString(options.epochs()));
            hyperparameters.put("batch_size", Integer.toString(options.batchSize()));
            hyperparameters.put("learning_rate", Float.toString(learningRate));
            hyperparameters.put("momentum", "0.9");
            hyperparameters.put("weight_decay", "0.0005");
            hyperparameters.put("dropout", "0.5");
            hyperparameters.put("pca_colour_stddev", "0.1");
            hyperparameters.put("seed", Long.toString(config.seed() + round));
            versions.promote(model.export(new WeightsMetadata(version, parent == 0 ? null : parent, Instant.now().toString(),
                    recorded, hyperparameters, snapshot.lineage())));
            LOG.infof("round %d promoted version %d: %s", round, version, decision);
            metrics.counter("alexstream.trainer.rounds", "outcome", "promoted").increment();
        } else {
            // only a refinement that failed to beat the serving version means "stopped improving"
            if (parent > 0 && rateDrops < 3 && !superseded) {
                learningRate /= 10;
                rateDrops++;
                learningRateMicros.set((long) (learningRate * 1e6));
            }
            LOG.infof("round %d rejected its candidate: %s; next learning rate %g", round, decision, learningRate);
            metrics.counter("alexstream.trainer.rounds", "outcome", superseded ? "superseded" : "rejected").increment();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Timer.builder("alexstream.trainer.round.duration").register(metrics).record(Duration.ofNanos(System.nanoTime() - started));
        history.add(new RoundResult(round, trigger, promoted, version, candidate, serving, decision, seconds, result.steps(), imagesPerSecond,
                steadyImagesPerSecond(result.history(), options.batchSize()), meanLoss, options.learningRate(), Instant.now().toString()));
        if (promoted) {
            exportHoldoutAccuracy(version, candidate);
        }
        return version;
    }

    private Map<String, Double> evaluate(List<Example> holdout) {
        Accuracy ten = Evaluator.evaluate(model, holdout, Crops.Mode.TEN_CROP, 128);
        Accuracy centre = Evaluator.evaluate(model, holdout, Crops.Mode.CENTER, 256);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("top1", ten.top1());
        metrics.put("top5", ten.top5());
        metrics.put("top1_center", centre.top1());
        metrics.put("top5_center", centre.top5());
        return metrics;
    }

    public VersionStore versions() {
        return versions;
    }

    public List<RoundResult> history() {
        return new ArrayList<>(history);
    }

    /** IDLE, TRAINING or ROLLING_OUT. */
    public String activity() {
        return activity.get();
    }

    public long pendingTrainingExamples() {
        return newTrainingExamples.get();
    }
}

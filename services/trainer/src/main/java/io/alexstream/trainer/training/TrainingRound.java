package io.alexstream.trainer.training;

import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.training.Example;
import io.alexstream.engine.training.MeanImage;
import io.alexstream.engine.training.PcaColourAugmentation;
import io.alexstream.engine.training.Trainer;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.VersionStore;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One training round on a snapshot of the examples: trains with the paper's recipe from the
 * current version (or from scratch for the first), has the {@link PromotionGate} judge the
 * candidate against the serving version, and promotes it into the {@link VersionStore} with its
 * parent, metrics, hyperparameters and lineage. A rejected refinement divides the learning rate
 * by 10 for the next round, three times at most: the paper's schedule, with "validation error
 * stopped improving" read as "the round did not beat the serving version". Rounds run one at a
 * time ({@link RoundScheduler}); the model's session is kept between them.
 */
@Singleton
public class TrainingRound {

    private static final Logger LOG = Logger.getLogger(TrainingRound.class);
    /** Most training images the colour augmentation's PCA is fitted on. */
    private static final int PCA_SAMPLE = 2000;

    private final TrainerConfig config;
    private final VersionStore versions;
    private final PromotionGate gate;
    private final TrainerMetrics metrics;
    private final AlexNetConfig modelConfig;
    private AlexNetModel model;
    private float learningRate;
    private int rateDrops;

    public TrainingRound(TrainerConfig config, VersionStore versions, PromotionGate gate, TrainerMetrics metrics) {
        this.config = config;
        this.versions = versions;
        this.gate = gate;
        this.metrics = metrics;
        this.modelConfig = Profiles.byName(config.profile());
        this.learningRate = config.learningRate()
                .orElse(Trainer.Options.forProfile(modelConfig).learningRate());
        metrics.learningRate(learningRate);
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

    /**
     * Trains, judges and records round number {@code round} of {@code epochs} passes; {@code started} (nanoTime) is
     * when the round was taken up, for its duration. Returns what the round found, the version it promoted included.
     */
    RoundResult run(int round, String trigger, int epochs, long started, ExampleBank.Snapshot snapshot)
            throws IOException, WeightsFormatException {
        List<Example> training = snapshot.training();
        List<Example> holdout = snapshot.holdout();
        if (model == null) {
            model = AlexNetModel.create(modelConfig, SessionOptions.cpu());
        }
        long parent = versions.current();
        Map<String, Double> serving = Map.of();
        if (parent > 0) {
            model.load(versions.load(parent));
            serving = gate.holdoutAccuracy(model, holdout);
        } else {
            List<ScaledImage> images = training.stream().map(Example::image).toList();
            model.initialize(config.seed(), MeanImage.of(images));
        }
        Trainer.Options options = Trainer.Options.forProfile(modelConfig)
                .withEpochs(epochs)
                .withBatchSize(config.batchSize())
                .withLearningRate(learningRate)
                .withEvaluationsPerEpoch(4);
        List<ScaledImage> sample = training.subList(0, Math.min(PCA_SAMPLE, training.size())).stream()
                .map(Example::image)
                .toList();
        Trainer trainer = new Trainer(model, PcaColourAugmentation.fit(sample));
        LOG.infof(
                "round %d (%s): %d training / %d validation / %d holdout examples, %d epochs from version %d, lr %g",
                round,
                trigger,
                training.size(),
                snapshot.validation().size(),
                holdout.size(),
                epochs,
                parent,
                learningRate);
        long trainStarted = System.nanoTime();
        Trainer.Result result = train(trainer, round, epochs, parent, options, snapshot);
        double trainSeconds = (System.nanoTime() - trainStarted) / 1e9;
        double imagesPerSecond = result.steps() * (double) options.batchSize() / trainSeconds;
        double meanLoss = result.history().isEmpty()
                ? Double.NaN
                : result.history().get(result.history().size() - 1).meanLoss();
        Map<String, Double> candidate = gate.holdoutAccuracy(model, holdout);
        PromotionGate.Verdict verdict = gate.judge(parent, serving, candidate, versions.current());
        long version = 0;
        if (verdict.promoted()) {
            version = versions.latest() + 1;
            Map<String, Double> recorded = new LinkedHashMap<>(candidate);
            recorded.put("holdout_examples", (double) holdout.size());
            recorded.put("training_examples", (double) training.size());
            recorded.put("mean_loss", meanLoss);
            versions.promote(model.export(new WeightsMetadata(
                    version,
                    parent == 0 ? null : parent,
                    Instant.now().toString(),
                    recorded,
                    hyperparameters(options, round),
                    snapshot.lineage())));
            LOG.infof("round %d promoted version %d: %s", round, version, verdict.decision());
        } else {
            // only a refinement that failed to beat the serving version means "stopped improving"
            if (parent > 0 && rateDrops < 3 && verdict.outcome() == RoundOutcome.REJECTED) {
                learningRate /= 10;
                rateDrops++;
                metrics.learningRate(learningRate);
            }
            LOG.infof(
                    "round %d rejected its candidate: %s; next learning rate %g",
                    round, verdict.decision(), learningRate);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        metrics.roundFinished(verdict.outcome(), Duration.ofNanos(System.nanoTime() - started));
        if (verdict.promoted()) {
            metrics.versionPromoted(version, candidate);
        }
        return new RoundResult(
                round,
                trigger,
                verdict.promoted(),
                version,
                candidate,
                serving,
                verdict.decision(),
                seconds,
                result.steps(),
                imagesPerSecond,
                steadyImagesPerSecond(result.history(), options.batchSize()),
                meanLoss,
                options.learningRate(),
                Instant.now().toString());
    }

    /**
     * The training itself: the plateau schedule at the round's rate, then, for a refinement of two epochs or more
     * with {@link TrainerConfig#annealLastEpoch()}, two fifths of the epochs (at least one) at a tenth of it.
     */
    private Trainer.Result train(
            Trainer trainer,
            int round,
            int epochs,
            long parent,
            Trainer.Options options,
            ExampleBank.Snapshot snapshot) {
        List<Example> training = snapshot.training();
        // the plateau schedule refines a serving model; a first model learns at the full rate
        List<Example> validation = parent > 0 ? snapshot.validation() : List.of();
        Consumer<Trainer.Progress> progressListener = progress -> {
            metrics.progress(progress);
            LOG.infof(
                    "round %d epoch %d step %d: loss %.4f, lr %g, validation top-1 %.4f, %.0f images/s",
                    round,
                    progress.epoch(),
                    progress.step(),
                    progress.meanLoss(),
                    progress.learningRate(),
                    progress.validation().top1(),
                    progress.imagesPerSecond());
        };
        int annealEpochs = parent > 0 && config.annealLastEpoch() && epochs >= 2 ? Math.max(1, 2 * epochs / 5) : 0;
        Trainer.Result result = trainer.train(
                training,
                validation,
                options.withEpochs(epochs - annealEpochs).withSeed(config.seed() + round),
                progressListener);
        if (annealEpochs == 0) {
            return result;
        }
        // the paper's "divide by 10" at the latest for the end of the round (on this data the validation often keeps
        // creeping up for several epochs); if the schedule already divided, the round goes on at its rate
        float scheduleRate = result.history().isEmpty()
                ? learningRate
                : result.history().get(result.history().size() - 1).learningRate();
        float annealRate = Math.min(scheduleRate, learningRate / 10);
        Trainer.Result last = trainer.train(
                training,
                List.of(),
                options.withEpochs(annealEpochs)
                        .withLearningRate(annealRate)
                        .withSeed(config.seed() + round + 1_000_000L),
                progressListener);
        List<Trainer.Progress> both = new ArrayList<>(result.history());
        both.addAll(last.history());
        return new Trainer.Result(last.validation(), both, result.steps() + last.steps());
    }

    private Map<String, String> hyperparameters(Trainer.Options options, int round) {
        Map<String, String> hyperparameters = new LinkedHashMap<>();
        hyperparameters.put("epochs", Integer.toString(options.epochs()));
        hyperparameters.put("batch_size", Integer.toString(options.batchSize()));
        hyperparameters.put("learning_rate", Float.toString(learningRate));
        hyperparameters.put("momentum", "0.9");
        hyperparameters.put("weight_decay", "0.0005");
        hyperparameters.put("dropout", "0.5");
        hyperparameters.put("pca_colour_stddev", "0.1");
        hyperparameters.put("seed", Long.toString(config.seed() + round));
        return hyperparameters;
    }

    @PreDestroy
    void close() {
        if (model != null) {
            model.close();
        }
    }
}

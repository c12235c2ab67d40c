package io.alexstream.cli;

import io.alexstream.engine.data.IdxImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.Rescaler;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Initialization;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.training.Accuracy;
import io.alexstream.engine.training.Evaluator;
import io.alexstream.engine.training.Example;
import io.alexstream.engine.training.MeanImage;
import io.alexstream.engine.training.PcaColourAugmentation;
import io.alexstream.engine.training.Trainer;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train [--train N] [--test N] [--epochs E] [--lr R] [--batch B] [--init paper|fan_in]
 * [--paper-biases true|false] [--out FILE]}:
 * trains the small profile on Fashion-MNIST and reports holdout accuracy.
 */
final class TrainCommand {

    private TrainCommand() {}

    static int run(Arguments arguments) throws Exception {
        Path dir = Path.of(arguments.get("data", "/usr/share/datasets/fashion-mnist"));
        AlexNetConfig small = Profiles.small();
        AlexNetConfig config = new AlexNetConfig(
                small.profile(),
                arguments.getInt("crop", small.cropSize()),
                arguments.getInt("scale", small.scaleSize()),
                arguments.getDouble("width", small.widthMultiplier()),
                small.groups(),
                small.classNames(),
                small.inputScale());
        long t0 = System.nanoTime();
        List<Example> train = examples(IdxImages.fashionMnist(dir, true, arguments.getInt("train", 60000)), config);
        List<Example> test = examples(IdxImages.fashionMnist(dir, false, arguments.getInt("test", 10000)), config);
        List<ScaledImage> trainImages = train.stream().map(Example::image).toList();
        System.out.printf(
                Locale.ROOT,
                "loaded %d train / %d test in %.1f s%n",
                train.size(),
                test.size(),
                (System.nanoTime() - t0) / 1e9);
        SessionOptions session = SessionOptions.cpu()
                .withThreads(
                        arguments.getInt("threads", SessionOptions.cpuIntraOpThreads()), arguments.getInt("inter", 0));
        try (AlexNetModel model = AlexNetModel.create(config, session)) {
            Initialization defaults = Initialization.forProfile(config);
            Initialization init = new Initialization(
                    Initialization.Scheme.valueOf(
                            arguments.get("init", defaults.scheme().name()).toUpperCase(Locale.ROOT)),
                    Boolean.parseBoolean(arguments.get("paper-biases", Boolean.toString(defaults.paperBiases()))));
            model.initialize(arguments.getInt("seed", 1), MeanImage.of(trainImages), init);
            Trainer.Options recipe = Trainer.Options.forProfile(config);
            Trainer.Options options = recipe.withEpochs(arguments.getInt("epochs", 2))
                    .withLearningRate((float) arguments.getDouble("lr", recipe.learningRate()))
                    .withBatchSize(arguments.getInt("batch", 128))
                    .withEvaluationsPerEpoch(arguments.getInt("checks", 4));
            Trainer trainer = new Trainer(
                    model, PcaColourAugmentation.fit(trainImages.subList(0, Math.min(2000, trainImages.size()))));
            long started = System.nanoTime();
            Trainer.Result result = trainer.train(
                    train,
                    test.subList(0, Math.min(1000, test.size())),
                    options,
                    p -> System.out.printf(
                            Locale.ROOT,
                            "epoch %d step %d loss %.4f lr %.4g val-top1 %.4f  %.0f img/s%n",
                            p.epoch(),
                            p.step(),
                            p.meanLoss(),
                            p.learningRate(),
                            p.validation().top1(),
                            p.imagesPerSecond()));
            double seconds = (System.nanoTime() - started) / 1e9;
            Accuracy ten = Evaluator.evaluate(model, test, Crops.Mode.TEN_CROP, 128);
            Accuracy centre = Evaluator.evaluate(model, test, Crops.Mode.CENTER, 256);
            System.out.printf(
                    Locale.ROOT,
                    "trained %d steps in %.1f s; test (%d): top1 %.4f top5 %.4f (10-crop), top1 %.4f (centre)%n",
                    result.steps(),
                    seconds,
                    test.size(),
                    ten.top1(),
                    ten.top5(),
                    centre.top1());
            if (arguments.options().containsKey("out")) {
                Path out = Path.of(arguments.get("out", "weights.alxw"));
                WeightsMetadata metadata = new WeightsMetadata(
                        1,
                        null,
                        Instant.now().toString(),
                        Map.of("top1", ten.top1(), "top5", ten.top5(), "top1_center", centre.top1()),
                        Map.of(
                                "epochs",
                                Integer.toString(options.epochs()),
                                "batch",
                                Integer.toString(options.batchSize())),
                        List.of());
                try (OutputStream stream = Files.newOutputStream(out)) {
                    WeightsCodec.write(model.export(metadata), stream);
                }
                System.out.println("wrote " + out);
            }
        }
        return 0;
    }

    static List<Example> examples(List<IdxImages.LabeledImage> images, AlexNetConfig config) {
        return images.parallelStream()
                .map(l -> new Example(Rescaler.scale(l.image(), config.scaleSize()), l.label()))
                .toList();
    }
}

package io.alexstream.worker.inference;

import io.alexstream.contracts.ImageLimits;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.Preprocessor;
import io.alexstream.engine.image.RgbImage;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.engine.model.Profiles;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.proto.v1.Timings;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one way an image is classified, whether it came from Kafka or over gRPC: decode, check and
 * rescale it ({@link #prepare}), then submit it to the serving model's batcher and answer with
 * the {@link Prediction} message ({@link #classify}), the single mapping from the engine's result
 * that both the gRPC response and the predictions topic's JSON are made of. Every answered image
 * is counted in the metrics under its source.
 */
@ApplicationScoped
public class ImageClassifier {

    /** What a full batcher queue means to the caller: a refusal now, or a wait for room. */
    public enum WhenFull {
        REFUSE,
        WAIT
    }

    /** An image decoded and rescaled for this model, with how long that took. */
    public record PreparedImage(ScaledImage image, double preprocessSeconds) {}

    private final ServingModel serving;
    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    private final Preprocessor preprocessor;

    public ImageClassifier(ServingModel serving, WorkerConfig config, WorkerMetrics metrics) {
        this.serving = serving;
        this.config = config;
        this.metrics = metrics;
        this.preprocessor = new Preprocessor(
                new ImageLimits(config.maxImageBytes(), config.maxImageSide(), config.maxImagePixels()),
                Profiles.byName(config.profile()).scaleSize());
    }

    /** Decodes, checks and rescales an encoded image for this model. */
    public PreparedImage prepare(byte[] encoded) throws ImageRejectedException {
        long started = System.nanoTime();
        ScaledImage image = preprocessor.prepare(encoded);
        return new PreparedImage(image, (System.nanoTime() - started) / 1e9);
    }

    /** Checks and rescales pixels already decoded (the Open Inference Protocol's FP32 input). */
    public PreparedImage prepare(RgbImage decoded) throws ImageRejectedException {
        long started = System.nanoTime();
        ScaledImage image = preprocessor.prepare(decoded);
        return new PreparedImage(image, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Submits a prepared image and completes with its prediction, or exceptionally when the run failed, or with a
     * {@link TimeoutException} when {@code timeLeftMillis} passed first (the image is then dropped from the queue).
     *
     * @param correlationId carried into the prediction, or null for none
     * @param source where the image came from, for the metrics ({@link WorkerMetrics.Source})
     * @throws DynamicBatcher.QueueFullException when the queue is full and {@code whenFull} is REFUSE
     */
    public CompletableFuture<Prediction> classify(
            String imageId,
            String correlationId,
            PreparedImage image,
            Crops.Mode mode,
            int topK,
            WhenFull whenFull,
            OptionalLong timeLeftMillis,
            WorkerMetrics.Source source) {
        CompletableFuture<DynamicBatcher.Timed> run;
        try {
            run = submit(image.image(), mode, topK, whenFull);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        timeLeftMillis.ifPresent(left -> run.orTimeout(Math.max(0, left), TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> {
                    if (failure instanceof TimeoutException) {
                        run.cancel(false);
                    }
                }));
        return run.thenApply(timed -> {
            metrics.classified(source, timed, image.preprocessSeconds());
            return prediction(imageId, correlationId, timed, image.preprocessSeconds());
        });
    }

    private CompletableFuture<DynamicBatcher.Timed> submit(
            ScaledImage image, Crops.Mode mode, int topK, WhenFull whenFull) throws InterruptedException {
        while (true) {
            try {
                return serving.batcher().submit(image, mode, topK);
            } catch (DynamicBatcher.QueueFullException e) {
                if (whenFull == WhenFull.REFUSE) {
                    throw e;
                }
                Thread.sleep(2);
            }
        }
    }

    private Prediction prediction(
            String imageId, String correlationId, DynamicBatcher.Timed timed, double preprocessSeconds) {
        Prediction.Builder prediction = Prediction.newBuilder()
                .setImageId(imageId)
                .setModelVersion(timed.prediction().modelVersion())
                .setCropsUsed(timed.prediction().cropsUsed())
                .setCropDisagreement((float) timed.prediction().cropDisagreement())
                .setWorkerId(config.id())
                .setTimings(Timings.newBuilder()
                        .setQueueSeconds(timed.queueSeconds())
                        .setPreprocessSeconds(preprocessSeconds)
                        .setInferenceSeconds(timed.inferenceSeconds())
                        .setBatchSize(timed.batchSize()));
        timed.prediction()
                .top()
                .forEach(score -> prediction.addTop(ClassScore.newBuilder()
                        .setIndex(score.index())
                        .setName(score.name())
                        .setProbability(score.probability())));
        if (correlationId != null) {
            prediction.setCorrelationId(correlationId);
        }
        return prediction.build();
    }
}

package io.alexstream.worker.grpc;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.Classifier;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.ImageError;
import io.alexstream.proto.v1.ImageErrorReason;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.proto.v1.Timings;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ModelService;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * gRPC {@code alexstream.v1.Classifier}: the same preprocessing, batcher and model as the
 * Kafka path. Unary errors are status codes (INVALID_ARGUMENT for a refused image,
 * UNAVAILABLE before a model is loaded, RESOURCE_EXHAUSTED when the queue is full,
 * DEADLINE_EXCEEDED when the caller's deadline passes first); on the stream a refused image
 * gets a response with {@code error} set and the stream goes on.
 */
@GrpcService
public class ClassifierService implements Classifier {

    static final int DEFAULT_TOP_K = 5;

    private final ModelService models;
    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    /** Images of one ClassifyStream decoded or queued at once: two full batches. */
    private final int streamInFlight;

    public ClassifierService(ModelService models, WorkerConfig config, WorkerMetrics metrics) {
        this.models = models;
        this.config = config;
        this.streamInFlight = 2 * ModelService.maxBatch(config);
        this.metrics = metrics;
    }

    @Override
    @Blocking
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        Deadline deadline = Context.current().getDeadline();
        return Uni.createFrom().completionStage(() -> answer(request, deadline))
                .onFailure().transform(ClassifierService::toStatus);
    }

    /**
     * Answers a stream with at most {@link #streamInFlight} images decoded or queued at a time; the
     * rest wait in gRPC's flow control, so a fast sender cannot fill the heap. Every item gets its
     * own answer, an error response included: no image ends the stream.
     */
    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        Deadline deadline = Context.current().getDeadline();
        return requests.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToUni(request -> Uni.createFrom().completionStage(() -> answer(request, deadline))
                        .onFailure().recoverWithItem(failure -> errorResponse(request, (StatusRuntimeException) toStatus(failure))))
                .merge(streamInFlight);
    }

    private CompletableFuture<ClassifyResponse> answer(ClassifyRequest request, Deadline deadline) {
        if (!models.ready()) {
            throw Status.UNAVAILABLE.withDescription("no model loaded (" + models.lastError() + ")").asRuntimeException();
        }
        String id = request.getImageId().isEmpty() ? UUID.randomUUID().toString() : request.getImageId();
        long started = System.nanoTime();
        ScaledImage image;
        try {
            image = models.prepare(request.getImage().toByteArray());
        } catch (ImageRejectedException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.reason() + ": " + e.getMessage()).asRuntimeException();
        }
        double preprocessSeconds = (System.nanoTime() - started) / 1e9;
        Crops.Mode mode = request.getCropMode() == CropMode.CENTER ? Crops.Mode.CENTER : Crops.Mode.TEN_CROP;
        int topK = request.getTopK() > 0 ? request.getTopK() : DEFAULT_TOP_K;
        CompletableFuture<DynamicBatcher.Timed> result;
        try {
            result = models.batcher().submit(image, mode, topK);
        } catch (DynamicBatcher.QueueFullException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
            result.orTimeout(Math.max(0, left), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, failure) -> {
                        if (failure instanceof TimeoutException) {
                            result.cancel(false);
                        }
                    });
        }
        return result.thenApply(timed -> {
            metrics.classified(WorkerMetrics.SOURCE_GRPC, timed, preprocessSeconds);
            return response(id, timed, preprocessSeconds);
        });
    }

    private ClassifyResponse response(String id, DynamicBatcher.Timed timed, double preprocessSeconds) {
        Prediction.Builder prediction = Prediction.newBuilder()
                .setImageId(id)
                .setModelVersion(timed.prediction().modelVersion())
                .setCropsUsed(timed.prediction().cropsUsed())
                .setWorkerId(config.id())
                .setTimings(Timings.newBuilder()
                        .setQueueSeconds(timed.queueSeconds())
                        .setPreprocessSeconds(preprocessSeconds)
                        .setInferenceSeconds(timed.inferenceSeconds())
                        .setBatchSize(timed.batchSize()));
        timed.prediction().top().forEach(score -> prediction.addTop(ClassScore.newBuilder()
                .setIndex(score.index()).setName(score.name()).setProbability(score.probability())));
        return ClassifyResponse.newBuilder().setImageId(id).setPrediction(prediction).build();
    }

    private static ClassifyResponse errorResponse(ClassifyRequest request, StatusRuntimeException failure) {
        String description = String.valueOf(failure.getStatus().getDescription());
        ImageErrorReason reason = ImageErrorReason.IMAGE_ERROR_REASON_UNSPECIFIED;
        for (ImageRejectedException.Reason r : ImageRejectedException.Reason.values()) {
            if (description.startsWith(r.name() + ":")) {
                reason = ImageErrorReason.valueOf(r.name());
            }
        }
        return ClassifyResponse.newBuilder()
                .setImageId(request.getImageId())
                .setError(ImageError.newBuilder().setReason(reason)
                        .setMessage(failure.getStatus().getCode() + ": " + description))
                .build();
    }

    private static Throwable toStatus(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StatusRuntimeException) {
            return cause;
        }
        if (cause instanceof TimeoutException || cause instanceof CancellationException) {
            return Status.DEADLINE_EXCEEDED.withDescription("the deadline passed before the image was classified").asRuntimeException();
        }
        return Status.INTERNAL.withDescription(String.valueOf(cause.getMessage())).withCause(cause).asRuntimeException();
    }
}

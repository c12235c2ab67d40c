package io.alexstream.worker.grpc;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.proto.v1.Classifier;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ImageClassifier;
import io.alexstream.worker.inference.ServingModel;
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
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * gRPC {@code alexstream.v1.Classifier}: the same {@link ImageClassifier} as the Kafka path.
 * Unary errors are status codes (INVALID_ARGUMENT for a refused image, its reason also in the
 * {@link Refusals#IMAGE_ERROR} trailer, UNAVAILABLE before a model is loaded, RESOURCE_EXHAUSTED
 * when the queue is full, DEADLINE_EXCEEDED when the caller's deadline passes first); on the
 * stream a refused image gets a response with {@code error} set and the stream goes on. A shadow worker
 * ({@code alexstream.worker.shadow}) refuses both calls with FAILED_PRECONDITION: its answers reach no caller.
 */
@GrpcService
public class ClassifierService implements Classifier {

    static final int DEFAULT_TOP_K = 5;

    private final ServingModel serving;
    private final ImageClassifier classifier;
    /** Images of one ClassifyStream decoded or queued at once: two full batches. */
    private final int streamInFlight;

    private final boolean shadow;

    public ClassifierService(ServingModel serving, ImageClassifier classifier, WorkerConfig config) {
        this.serving = serving;
        this.classifier = classifier;
        this.streamInFlight = 2 * ServingModel.maxBatch(config);
        this.shadow = config.shadow();
    }

    @Override
    @Blocking
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        if (shadow) {
            return Uni.createFrom().failure(Refusals.shadowWorker());
        }
        Deadline deadline = Context.current().getDeadline();
        return Uni.createFrom()
                .completionStage(() -> answer(request, deadline))
                .onFailure()
                .transform(Refusals::toStatus);
    }

    /**
     * Answers a stream with at most {@link #streamInFlight} images decoded or queued at a time; the
     * rest wait in gRPC's flow control, so a fast sender cannot fill the heap. Every item gets its
     * own answer, an error response included: no image ends the stream.
     */
    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        if (shadow) {
            return Multi.createFrom().failure(Refusals.shadowWorker());
        }
        Deadline deadline = Context.current().getDeadline();
        return requests.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem()
                .transformToUni(request -> Uni.createFrom()
                        .completionStage(() -> answer(request, deadline))
                        .onFailure()
                        .recoverWithItem(failure -> errorResponse(request, Refusals.toStatus(failure))))
                .merge(streamInFlight);
    }

    private CompletableFuture<ClassifyResponse> answer(ClassifyRequest request, Deadline deadline) {
        if (!serving.ready()) {
            throw Refusals.noModel(serving.lastError());
        }
        String id = request.getImageId().isEmpty() ? UUID.randomUUID().toString() : request.getImageId();
        ImageClassifier.PreparedImage image;
        try {
            image = classifier.prepare(request.getImage().toByteArray());
        } catch (ImageRejectedException e) {
            throw Refusals.image(e);
        }
        Crops.Mode mode = request.getCropMode() == CropMode.CENTER ? Crops.Mode.CENTER : Crops.Mode.TEN_CROP;
        int topK = request.getTopK() > 0 ? request.getTopK() : DEFAULT_TOP_K;
        OptionalLong timeLeft = deadline == null
                ? OptionalLong.empty()
                : OptionalLong.of(deadline.timeRemaining(TimeUnit.MILLISECONDS));
        try {
            return classifier
                    .classify(
                            id,
                            null,
                            image,
                            mode,
                            topK,
                            ImageClassifier.WhenFull.REFUSE,
                            timeLeft,
                            WorkerMetrics.SOURCE_GRPC)
                    .thenApply(prediction -> ClassifyResponse.newBuilder()
                            .setImageId(id)
                            .setPrediction(prediction)
                            .build());
        } catch (DynamicBatcher.QueueFullException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    private static ClassifyResponse errorResponse(ClassifyRequest request, StatusRuntimeException failure) {
        return ClassifyResponse.newBuilder()
                .setImageId(request.getImageId())
                .setError(Refusals.imageError(failure))
                .build();
    }
}

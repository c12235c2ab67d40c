package io.alexstream.worker.oip;

import io.alexstream.proto.inference.GRPCInferenceService;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferResponse;
import io.alexstream.proto.inference.ModelMetadataRequest;
import io.alexstream.proto.inference.ModelMetadataResponse;
import io.alexstream.proto.inference.ModelReadyRequest;
import io.alexstream.proto.inference.ModelReadyResponse;
import io.alexstream.proto.inference.ServerLiveRequest;
import io.alexstream.proto.inference.ServerLiveResponse;
import io.alexstream.proto.inference.ServerMetadataRequest;
import io.alexstream.proto.inference.ServerMetadataResponse;
import io.alexstream.proto.inference.ServerReadyRequest;
import io.alexstream.proto.inference.ServerReadyResponse;
import io.alexstream.worker.grpc.Refusals;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.grpc.Context;
import io.grpc.Deadline;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The Open Inference Protocol's {@code inference.GRPCInferenceService} on the worker's gRPC port: the same model,
 * preprocessing, batcher, limits and metrics as {@code Classifier/Classify} ({@link OipInference}). Errors are gRPC
 * statuses with the reason in the description: INVALID_ARGUMENT (a malformed tensor or a refused image), NOT_FOUND (an
 * unknown model or version), UNAVAILABLE (no model loaded), RESOURCE_EXHAUSTED (the queue is full),
 * DEADLINE_EXCEEDED, FAILED_PRECONDITION on a shadow worker.
 */
@GrpcService
public class OipService implements GRPCInferenceService {

    private final OipInference inference;

    public OipService(OipInference inference) {
        this.inference = inference;
    }

    @Override
    public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
        return Uni.createFrom()
                .item(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
        return Uni.createFrom()
                .item(ServerReadyResponse.newBuilder()
                        .setReady(inference.ready())
                        .build());
    }

    @Override
    public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
        return Uni.createFrom()
                .item(() -> ModelReadyResponse.newBuilder()
                        .setReady(inference.modelReady(request.getName(), request.getVersion()))
                        .build());
    }

    @Override
    public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
        return Uni.createFrom().item(inference::serverMetadata);
    }

    @Override
    public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
        return Uni.createFrom().item(() -> inference.modelMetadata(request.getName(), request.getVersion()));
    }

    @Override
    @Blocking
    public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
        Deadline deadline = Context.current().getDeadline();
        OptionalLong timeLeft = deadline == null
                ? OptionalLong.empty()
                : OptionalLong.of(deadline.timeRemaining(TimeUnit.MILLISECONDS));
        return Uni.createFrom()
                .completionStage(() -> inference.infer(request, timeLeft, WorkerMetrics.Source.OIP_GRPC))
                .onFailure()
                .transform(Refusals::toStatus);
    }
}

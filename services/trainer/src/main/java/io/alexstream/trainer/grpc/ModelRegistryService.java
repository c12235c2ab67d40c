package io.alexstream.trainer.grpc;

import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.proto.v1.ForcePromoteRequest;
import io.alexstream.proto.v1.ModelRegistry;
import io.alexstream.proto.v1.ModelVersion;
import io.alexstream.proto.v1.PullRequest;
import io.alexstream.proto.v1.RegistrationResult;
import io.alexstream.proto.v1.RollbackRequest;
import io.alexstream.proto.v1.RolloutStatus;
import io.alexstream.proto.v1.RolloutStatusRequest;
import io.alexstream.proto.v1.TriggerRoundRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WorkerRegistration;
import io.alexstream.proto.v1.WorkerState;
import io.alexstream.trainer.rollout.ForcePromotion;
import io.alexstream.trainer.rollout.RolloutService;
import io.alexstream.trainer.store.VersionStore;
import io.alexstream.trainer.training.Activity;
import io.alexstream.trainer.training.RoundScheduler;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.io.IOException;

/**
 * {@code alexstream.v1.ModelRegistry}: workers register and pull the current version;
 * operators read the rollout status, roll back and start rounds. Who may call what is
 * decided by ModelManagementAuth before a call gets here.
 */
@GrpcService
public class ModelRegistryService implements ModelRegistry {

    private final VersionStore versions;
    private final RoundScheduler rounds;
    private final RolloutService rollout;
    private final WeightsChunkSender sender;
    private final ForcePromotion forced;

    public ModelRegistryService(
            VersionStore versions,
            RoundScheduler rounds,
            RolloutService rollout,
            WeightsChunkSender sender,
            ForcePromotion forced) {
        this.versions = versions;
        this.rounds = rounds;
        this.rollout = rollout;
        this.sender = sender;
        this.forced = forced;
    }

    @Override
    public Uni<RegistrationResult> registerWorker(WorkerRegistration request) {
        if (request.getWorkerId().isBlank() || request.getAddress().isBlank()) {
            return Uni.createFrom()
                    .failure(Status.INVALID_ARGUMENT
                            .withDescription("worker_id and address are required")
                            .asRuntimeException());
        }
        long desired = rollout.register(
                request.getWorkerId(), request.getAddress(), request.getServingVersion(), request.getShadow());
        return Uni.createFrom()
                .item(RegistrationResult.newBuilder().setCurrentVersion(desired).build());
    }

    @Override
    public Multi<WeightsChunk> pullWeights(PullRequest request) {
        long version = request.getVersion() == 0 ? versions.current() : request.getVersion();
        if (version == 0 || versions.metadata(version).isEmpty()) {
            return Multi.createFrom()
                    .failure(Status.NOT_FOUND
                            .withDescription("no version " + version)
                            .asRuntimeException());
        }
        return sender.send(version);
    }

    @Override
    public Uni<RolloutStatus> getRolloutStatus(RolloutStatusRequest request) {
        return Uni.createFrom().item(this::status);
    }

    @Override
    @Blocking
    public Uni<RolloutStatus> rollback(RollbackRequest request) {
        try {
            rollout.rollBack(request.getVersion());
        } catch (IllegalArgumentException e) {
            return Uni.createFrom()
                    .failure(Status.FAILED_PRECONDITION
                            .withDescription(e.getMessage())
                            .asRuntimeException());
        } catch (IOException e) {
            return Uni.createFrom()
                    .failure(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        }
        return Uni.createFrom().item(this::status);
    }

    @Override
    public Uni<RolloutStatus> triggerRound(TriggerRoundRequest request) {
        String outcome = rounds.trigger("api", request.getEpochs());
        return Uni.createFrom()
                .item(() -> status().toBuilder().setMessage(outcome).build());
    }

    @Override
    public Uni<RolloutStatus> forcePromote(Multi<ForcePromoteRequest> request) {
        return request.collect()
                .in(ForcePromoteUpload::new, ForcePromoteUpload::add)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(upload -> {
                    try {
                        forced.promote(upload.artifact(), upload.reason());
                    } catch (IllegalArgumentException e) {
                        throw Status.INVALID_ARGUMENT
                                .withDescription(e.getMessage())
                                .asRuntimeException();
                    } catch (IOException e) {
                        throw Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
                    }
                    return status();
                });
    }

    RolloutStatus status() {
        RolloutStatus.Builder status = RolloutStatus.newBuilder()
                .setCurrentVersion(versions.current())
                .setState(
                        rounds.activity() == Activity.IDLE
                                ? rollout.state().name()
                                : rounds.activity().name())
                .setMessage(rollout.message());
        rollout.canary()
                .ifPresent(canary -> status.setCanaryVersion(canary.version()).setStableVersion(canary.stable()));
        for (WeightsMetadata version : versions.versions()) {
            status.addVersions(ModelVersion.newBuilder()
                    .setVersion(version.version())
                    .setParentVersion(version.parentVersion() == null ? 0 : version.parentVersion())
                    .setCreatedAt(version.createdAt())
                    .putAllMetrics(version.metrics()));
        }
        for (io.alexstream.trainer.rollout.WorkerState worker : rollout.workers()) {
            status.addWorkers(WorkerState.newBuilder()
                    .setWorkerId(worker.id())
                    .setAddress(worker.address())
                    .setServingVersion(Math.max(0, worker.servingVersion()))
                    .setLastPushResult(worker.lastPushResult())
                    .setDesiredVersion(worker.desiredVersion())
                    .setReason(worker.reason())
                    .setShadow(worker.shadow()));
        }
        return status.build();
    }
}

package io.alexstream.worker.grpc;

import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.proto.v1.ModelReceiver;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.ServingStatus;
import io.alexstream.proto.v1.ServingStatusRequest;
import io.alexstream.proto.v1.SyncRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ServingModel;
import io.alexstream.worker.inference.WeightsReceiver;
import io.alexstream.worker.inference.WeightsRefusedException;
import io.alexstream.worker.registry.TrainerSync;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import org.jboss.logging.Logger;

/**
 * {@code alexstream.v1.ModelReceiver}: a pushed stream of weights chunks goes to the same
 * {@link WeightsReceiver} as a pull from the trainer (staged, decoded as it arrives, validated,
 * swapped in); its refusals become statuses through {@link Refusals} and leave the served
 * weights untouched. Only the trainer's role gets to push (see ModelManagementAuth); the
 * trainer's rollouts use {@code Sync} instead, which carries no credential: the worker then
 * pulls from the trainer it was configured with ({@link TrainerSync}).
 */
@GrpcService
public class ModelReceiverService implements ModelReceiver {

    private static final Logger LOG = Logger.getLogger(ModelReceiverService.class);

    private final WeightsReceiver receiver;
    private final TrainerSync trainerSync;
    private final ServingModel serving;
    private final WorkerConfig config;

    public ModelReceiverService(
            WeightsReceiver receiver, TrainerSync trainerSync, ServingModel serving, WorkerConfig config) {
        this.receiver = receiver;
        this.trainerSync = trainerSync;
        this.serving = serving;
        this.config = config;
    }

    @Override
    public Uni<PushResult> pushWeights(Multi<WeightsChunk> request) {
        WeightsReceiver.Reception reception = receiver.open(WeightsReceiver.Origin.PUSHED);
        return request.onItem()
                .invoke(chunk -> {
                    try {
                        reception.accept(chunk);
                    } catch (WeightsRefusedException e) {
                        throw Refusals.weights(e);
                    }
                })
                .collect()
                .last()
                .invoke(last -> reception.end())
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(last -> {
                    try {
                        return accepted(reception.finish());
                    } catch (WeightsRefusedException e) {
                        throw Refusals.weights(e);
                    } catch (WeightsFormatException e) {
                        throw Refusals.weights(e);
                    }
                })
                .onFailure()
                .invoke(failure -> {
                    reception.abandon();
                    LOG.warnf("weights push refused: %s", failure.getMessage());
                });
    }

    /** Converges on the trainer's desired version; the request carries nothing the worker trusts. */
    @Override
    public Uni<PushResult> sync(SyncRequest request) {
        return Uni.createFrom()
                .item(() -> {
                    if (!trainerSync.configured()) {
                        throw Status.FAILED_PRECONDITION
                                .withDescription("this worker has no trainer address to sync with")
                                .asRuntimeException();
                    }
                    try {
                        return accepted(trainerSync.converge());
                    } catch (WeightsRefusedException e) {
                        throw Refusals.weights(e);
                    } catch (WeightsFormatException e) {
                        throw Refusals.weights(e);
                    } catch (StatusRuntimeException e) {
                        throw Status.UNAVAILABLE
                                .withDescription("the trainer did not answer: " + e.getStatus())
                                .asRuntimeException();
                    } catch (RuntimeException e) {
                        throw Status.UNAVAILABLE
                                .withDescription("the pull from the trainer failed: " + e.getMessage())
                                .asRuntimeException();
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public Uni<ServingStatus> getServingStatus(ServingStatusRequest request) {
        return Uni.createFrom()
                .item(() -> ServingStatus.newBuilder()
                        .setWorkerId(config.id())
                        .setServingVersion(Math.max(0, serving.servedVersion()))
                        .setReady(serving.ready())
                        .setDevice(serving.device())
                        .setLastError(serving.lastError() == null ? "" : serving.lastError())
                        .build());
    }

    private static PushResult accepted(long serving) {
        return PushResult.newBuilder()
                .setAccepted(true)
                .setServingVersion(serving)
                .setMessage("serving version " + serving)
                .build();
    }
}

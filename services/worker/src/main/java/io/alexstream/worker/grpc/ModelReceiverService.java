package io.alexstream.worker.grpc;

import com.google.protobuf.ByteString;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.proto.v1.ModelReceiver;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.ServingStatus;
import io.alexstream.proto.v1.ServingStatusRequest;
import io.alexstream.proto.v1.SyncRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ModelService;
import io.alexstream.worker.inference.WeightsRefusedException;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/**
 * {@code alexstream.v1.ModelReceiver}: the trainer's weights arrive as a header chunk and data
 * chunks; they are staged in memory (never beyond the configured limit: a longer stream is
 * cut off with RESOURCE_EXHAUSTED) and decoded and checked (checksum, format, finite values)
 * while they arrive, then validated and swapped in by {@link ModelService#activate}. A refusal leaves the served
 * weights untouched. Only the trainer's role gets to push (see ModelManagementAuth); the
 * trainer's rollouts use {@code Sync} instead, which carries no credential: the worker then
 * pulls from the trainer it was configured with.
 */
@GrpcService
public class ModelReceiverService implements ModelReceiver {

    private static final Logger LOG = Logger.getLogger(ModelReceiverService.class);

    private final ModelService models;
    private final WorkerConfig config;

    private final boolean trainerConfigured;

    public ModelReceiverService(ModelService models, WorkerConfig config) {
        this.models = models;
        this.config = config;
        this.trainerConfigured = config.trainerAddress().isPresent();
    }

    /** A push that stops for this long is abandoned by its decoder. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    /** What has arrived of one push, and its decoding, which starts with the header and follows the chunks. */
    private static final class Staged {
        WeightsHeader header;
        // joined without copying: a 245 MB artifact is held once, as the transport delivered it (kept as the last good copy)
        ByteString artifact = ByteString.EMPTY;
        final ChunkPipe pipe = new ChunkPipe(STALL_TIMEOUT);
        CompletableFuture<ModelWeights> decoded;
        long bytes;
        long lastChunk;
        final long started = System.nanoTime();
    }

    @Override
    public Uni<PushResult> pushWeights(Multi<WeightsChunk> request) {
        long limit = config.maxPushBytes();
        Staged staged = new Staged();
        return request
                .collect().in(() -> staged, (push, chunk) -> {
                    if (chunk.hasHeader()) {
                        if (push.header != null) {
                            throw Status.INVALID_ARGUMENT.withDescription("a second header chunk").asRuntimeException();
                        }
                        if (chunk.getHeader().getTotalBytes() > limit) {
                            throw Status.RESOURCE_EXHAUSTED.withDescription("the artifact declares " + chunk.getHeader().getTotalBytes()
                                    + " bytes; this worker accepts at most " + limit).asRuntimeException();
                        }
                        push.header = chunk.getHeader();
                        push.decoded = CompletableFuture.supplyAsync(() -> decode(push.pipe, limit), Infrastructure.getDefaultWorkerPool());
                        return;
                    }
                    if (push.header == null) {
                        throw Status.INVALID_ARGUMENT.withDescription("the first chunk must be the header").asRuntimeException();
                    }
                    push.bytes += chunk.getData().size();
                    if (push.bytes > limit) {
                        throw Status.RESOURCE_EXHAUSTED.withDescription("the weights stream passed " + limit
                                + " bytes and was cut off").asRuntimeException();
                    }
                    push.artifact = push.artifact.concat(chunk.getData());
                    push.pipe.offer(chunk.getData());
                })
                .invoke(push -> {
                    push.lastChunk = System.nanoTime();
                    push.pipe.end();
                })
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(this::activate)
                .onFailure().invoke(failure -> {
                    staged.pipe.end();
                    LOG.warnf("weights push refused: %s", failure.getMessage());
                });
    }

    private static ModelWeights decode(ChunkPipe pipe, long limit) {
        try {
            return WeightsCodec.read(pipe, limit);
        } catch (WeightsFormatException e) {
            throw new CompletionException(e);
        }
    }

    private PushResult activate(Staged staged) {
        if (staged.header == null) {
            throw Status.INVALID_ARGUMENT.withDescription("an empty push: no header").asRuntimeException();
        }
        WeightsHeader header = staged.header;
        if (header.getTotalBytes() != staged.bytes) {
            throw Status.INVALID_ARGUMENT.withDescription("TRUNCATED: the header announced " + header.getTotalBytes()
                    + " bytes, " + staged.bytes + " arrived").asRuntimeException();
        }
        try {
            ModelWeights weights;
            try {
                weights = staged.decoded.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof WeightsFormatException format) {
                    throw format;
                }
                throw e;
            }
            long decoded = System.nanoTime();
            if (weights.metadata().version() != header.getVersion()) {
                throw Status.INVALID_ARGUMENT.withDescription("the header says version " + header.getVersion()
                        + " but the artifact holds version " + weights.metadata().version()).asRuntimeException();
            }
            long serving = models.activate(weights, header.getRollback(), staged.artifact);
            long done = System.nanoTime();
            // where a push's time goes: the transfer (checksum and decoding run alongside it), what decoding had left
            // after the last chunk, then validation and the swap
            LOG.infof("worker %s now serves version %d (pushed%s): %.1f MB received in %.2f s, decoded %.2f s after the last chunk, "
                            + "validated and swapped in %.2f s", config.id(), serving, header.getRollback() ? ", rollback" : "",
                    staged.bytes / 1e6, (staged.lastChunk - staged.started) / 1e9, (decoded - staged.lastChunk) / 1e9,
                    (done - decoded) / 1e9);
            return PushResult.newBuilder().setAccepted(true).setServingVersion(serving)
                    .setMessage("serving version " + serving).build();
        } catch (WeightsFormatException e) {
            Status status = switch (e.reason()) {
                case CONFIG_MISMATCH, SHAPE_MISMATCH -> Status.FAILED_PRECONDITION;
                case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
                default -> Status.INVALID_ARGUMENT;
            };
            throw status.withDescription(e.getMessage()).asRuntimeException();
        } catch (WeightsRefusedException e) {
            throw e.toStatus().asRuntimeException();
        }
    }

    /** Converges on the trainer's desired version; the request carries nothing the worker trusts. */
    @Override
    public Uni<PushResult> sync(SyncRequest request) {
        return Uni.createFrom().item(() -> {
            if (!trainerConfigured) {
                throw Status.FAILED_PRECONDITION.withDescription("this worker has no trainer address to sync with").asRuntimeException();
            }
            try {
                long serving = models.converge();
                return PushResult.newBuilder().setAccepted(true).setServingVersion(serving)
                        .setMessage("serving version " + serving).build();
            } catch (WeightsRefusedException e) {
                throw e.toStatus().asRuntimeException();
            } catch (WeightsFormatException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            } catch (io.grpc.StatusRuntimeException e) {
                throw Status.UNAVAILABLE.withDescription("the trainer did not answer: " + e.getStatus()).asRuntimeException();
            } catch (RuntimeException e) {
                throw Status.UNAVAILABLE.withDescription("the pull from the trainer failed: " + e.getMessage()).asRuntimeException();
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public Uni<ServingStatus> getServingStatus(ServingStatusRequest request) {
        return Uni.createFrom().item(() -> ServingStatus.newBuilder()
                .setWorkerId(config.id())
                .setServingVersion(Math.max(0, models.servedVersion()))
                .setReady(models.ready())
                .setDevice(models.device())
                .setLastError(models.lastError() == null ? "" : models.lastError())
                .build());
    }
}

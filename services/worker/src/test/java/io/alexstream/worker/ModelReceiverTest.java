package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.ServingStatusRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.weights.SeedWeights;
import io.grpc.CallCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier: integration over a real gRPC socket. Weights pushed to the worker: a valid newer
 * version is validated, swapped in, kept on disk and served; a corrupt artifact (one flipped
 * byte), weights for another model, an older version, an oversized stream, no token and
 * another role's token are each refused with their status, and the served version does not
 * change.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelReceiverTest {

    @GrpcClient("classifier")
    io.grpc.Channel channel;

    @Test
    @Order(1)
    void withoutTheTrainersTokenNothingIsPushed() throws Exception {
        byte[] v2 = artifact(2, Profiles.small(), 21);
        assertRefused(push(v2, 2, null), Status.Code.UNAUTHENTICATED);
        assertRefused(
                push(v2, 2, new BearerCredentials(WorkerTestResources.WORKER_TOKEN)), Status.Code.PERMISSION_DENIED);
        assertRefused(push(v2, 2, new BearerCredentials(BearerTokensForTests.WRONG)), Status.Code.UNAUTHENTICATED);
        assertThat(servedVersion()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void corruptMismatchedAndOversizedPushesAreRefused() throws Exception {
        byte[] corrupt = artifact(2, Profiles.small(), 22);
        corrupt[corrupt.length / 2] ^= 0x40;
        assertRefused(push(corrupt, 2, trainer()), Status.Code.INVALID_ARGUMENT, "CHECKSUM_MISMATCH");

        AlexNetConfig small = Profiles.small();
        AlexNetConfig wider = new AlexNetConfig(
                small.profile(),
                small.cropSize(),
                small.scaleSize(),
                0.5,
                small.groups(),
                small.classNames(),
                small.inputScale());
        assertRefused(push(artifact(2, wider, 23), 2, trainer()), Status.Code.FAILED_PRECONDITION, "widthMultiplier");

        CompletableFuture<PushResult> oversized = new CompletableFuture<>();
        StreamObserver<WeightsChunk> requests = ModelReceiverGrpc.newStub(channel)
                .withCallCredentials(trainer())
                .pushWeights(observer(oversized));
        requests.onNext(WeightsChunk.newBuilder()
                .setHeader(WeightsHeader.newBuilder().setVersion(9).setTotalBytes(1L << 40))
                .build());
        requests.onNext(WeightsChunk.newBuilder()
                .setData(ByteString.copyFrom(new byte[1024]))
                .build());
        requests.onCompleted();
        assertRefused(oversized, Status.Code.RESOURCE_EXHAUSTED);
        assertThat(servedVersion()).isEqualTo(1);
    }

    @Test
    @Order(3)
    void aValidNewerVersionIsSwappedInServedAndKept() throws Exception {
        byte[] v2 = artifact(2, Profiles.small(), 24);
        PushResult result = push(v2, 2, trainer()).get(120, TimeUnit.SECONDS);
        assertThat(result.getAccepted()).isTrue();
        assertThat(result.getServingVersion()).isEqualTo(2);
        assertThat(servedVersion()).isEqualTo(2);
        var answer = ClassifierGrpc.newBlockingStub(channel)
                .classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(png()))
                        .build());
        assertThat(answer.getPrediction().getModelVersion()).isEqualTo(2);
        // written after the answer, off the push's critical path
        Path kept = WorkerTestResources.stateDir.resolve("worker-1-last-good.alxw");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (keptVersion(kept) != 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(keptVersion(kept)).isEqualTo(2);

        // an older version is refused unless it is an explicit rollback
        assertRefused(push(artifact(1, Profiles.small(), 25), 1, trainer()), Status.Code.FAILED_PRECONDITION, "older");
        assertThat(servedVersion()).isEqualTo(2);
    }

    @Test
    @Order(4)
    void weightsThatOverflowAreRefusedByTheWarmUp() throws Exception {
        ModelWeights seed = WorkerTestResources.seedArtifact;
        Map<String, float[]> huge = new HashMap<>(seed.variables());
        float[] fc8 = huge.get("fc8/weights").clone();
        Arrays.fill(fc8, 3e38f);
        huge.put("fc8/weights", fc8);
        byte[] overflowing = WeightsCodec.toBytes(new ModelWeights(
                seed.config(),
                new WeightsMetadata(5, 2L, "2026-11-27T00:00:00Z", Map.of(), Map.of(), List.of()),
                seed.mean(),
                huge));
        assertRefused(push(overflowing, 5, trainer()), Status.Code.INVALID_ARGUMENT, "WARM_UP_FAILED");
        assertThat(servedVersion()).isEqualTo(2);
    }

    private long servedVersion() {
        return servedVersion(channel, trainer());
    }

    static long servedVersion(io.grpc.Channel channel, CallCredentials credentials) {
        return ModelReceiverGrpc.newBlockingStub(channel)
                .withCallCredentials(credentials)
                .getServingStatus(ServingStatusRequest.getDefaultInstance())
                .getServingVersion();
    }

    private static CallCredentials trainer() {
        return new BearerCredentials(WorkerTestResources.TRAINER_TOKEN);
    }

    private CompletableFuture<PushResult> push(byte[] artifact, long version, CallCredentials credentials) {
        return push(channel, artifact, version, credentials);
    }

    /** Streams an artifact in 1 MiB chunks after its header; {@code credentials} may be null. */
    static CompletableFuture<PushResult> push(
            io.grpc.Channel channel, byte[] artifact, long version, CallCredentials credentials) {
        CompletableFuture<PushResult> result = new CompletableFuture<>();
        ModelReceiverGrpc.ModelReceiverStub stub = ModelReceiverGrpc.newStub(channel);
        if (credentials != null) {
            stub = stub.withCallCredentials(credentials);
        }
        StreamObserver<WeightsChunk> requests = stub.pushWeights(observer(result));
        requests.onNext(WeightsChunk.newBuilder()
                .setHeader(WeightsHeader.newBuilder()
                        .setVersion(version)
                        .setTotalBytes(artifact.length)
                        .setProfile("small"))
                .build());
        for (int at = 0; at < artifact.length; at += 1 << 20) {
            requests.onNext(WeightsChunk.newBuilder()
                    .setData(ByteString.copyFrom(artifact, at, Math.min(1 << 20, artifact.length - at)))
                    .build());
        }
        requests.onCompleted();
        return result;
    }

    private static StreamObserver<PushResult> observer(CompletableFuture<PushResult> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(PushResult value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        };
    }

    static void assertRefused(CompletableFuture<PushResult> push, Status.Code code, String... inDescription) {
        assertThatThrownBy(() -> push.get(120, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode())
                            .as(String.valueOf(e.getStatus()))
                            .isEqualTo(code);
                    for (String part : inDescription) {
                        assertThat(e.getStatus().getDescription()).contains(part);
                    }
                });
    }

    static byte[] artifact(long version, AlexNetConfig config, long seed) {
        return WeightsCodec.toBytes(SeedWeights.draw(config, seed, 100f, SeedWeights.version(version, null, Map.of())));
    }

    static byte[] png() {
        return EncodedImages.png(40, 40, 2, 2, 0x123456);
    }

    /** A well-formed token nobody was given. */
    static final class BearerTokensForTests {
        static final String WRONG = io.alexstream.auth.BearerTokens.generate();
    }

    private static long keptVersion(Path kept) {
        try {
            return WeightsCodec.read(Files.readAllBytes(kept)).metadata().version();
        } catch (Exception notThereYet) {
            return -1;
        }
    }
}

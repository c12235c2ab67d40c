package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.proto.v1.ForcePromoteHeader;
import io.alexstream.proto.v1.ForcePromoteRequest;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.PullRequest;
import io.alexstream.proto.v1.RollbackRequest;
import io.alexstream.proto.v1.RolloutStatus;
import io.alexstream.proto.v1.RolloutStatusRequest;
import io.alexstream.proto.v1.TriggerRoundRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WorkerRegistration;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.trainer.store.VersionStore;
import io.alexstream.trainer.training.Activity;
import io.alexstream.trainer.training.ExampleBank;
import io.alexstream.trainer.training.RoundScheduler;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;

/**
 * Tier: component over a real gRPC socket, with a real broker. The trainer's registry: the
 * roles each call needs, workers registering and pulling the current version, and the
 * explicit rollback (only to an existing older version, only by an operator), and the labeled
 * records that arrive during a round waiting in Kafka until it ends.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelRegistryTest {

    @GrpcClient("registry")
    io.grpc.Channel channel;

    @Inject
    ExampleBank bank;

    @Inject
    RoundScheduler rounds;

    @Inject
    VersionStore versions;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    ModelRegistryGrpc.ModelRegistryBlockingStub as(String token) {
        ModelRegistryGrpc.ModelRegistryBlockingStub stub = ModelRegistryGrpc.newBlockingStub(channel);
        return token == null ? stub : stub.withCallCredentials(new BearerCredentials(token));
    }

    @Test
    @Order(1)
    void eachCallNeedsItsRole() {
        assertStatus(
                () -> as(null).getRolloutStatus(RolloutStatusRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED);
        assertStatus(
                () -> as(TrainerTestResources.WORKER_TOKEN)
                        .rollback(RollbackRequest.newBuilder().setVersion(1).build()),
                Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> as(TrainerTestResources.OPERATOR_TOKEN)
                        .registerWorker(WorkerRegistration.newBuilder()
                                .setWorkerId("w")
                                .setAddress("localhost:1")
                                .build()),
                Status.Code.PERMISSION_DENIED);
        // the trainer holds no token of its own: one it does not know is no credential at all
        assertStatus(
                () -> as(TrainerTestResources.TRAINER_TOKEN)
                        .pullWeights(PullRequest.getDefaultInstance())
                        .hasNext(),
                Status.Code.UNAUTHENTICATED);
        assertThat(as(TrainerTestResources.OPERATOR_TOKEN)
                        .getRolloutStatus(RolloutStatusRequest.getDefaultInstance())
                        .getCurrentVersion())
                .as("nothing changed")
                .isEqualTo(2);
    }

    @Test
    @Order(2)
    void aWorkerPullsTheCurrentVersion() throws Exception {
        long current = as(TrainerTestResources.WORKER_TOKEN)
                .registerWorker(WorkerRegistration.newBuilder()
                        .setWorkerId("late-worker")
                        .setAddress("localhost:1")
                        .setServingVersion(0)
                        .build())
                .getCurrentVersion();
        assertThat(current).isEqualTo(2);
        ByteString artifact = ByteString.EMPTY;
        for (var it = as(TrainerTestResources.WORKER_TOKEN)
                        .pullWeights(PullRequest.newBuilder()
                                .setWorkerId("late-worker")
                                .build());
                it.hasNext(); ) {
            WeightsChunk chunk = it.next();
            if (!chunk.hasHeader()) {
                artifact = artifact.concat(chunk.getData());
            }
        }
        assertThat(WeightsCodec.read(artifact.newInput(), WeightsCodec.DEFAULT_MAX_BYTES)
                        .metadata()
                        .version())
                .isEqualTo(2);
    }

    /**
     * A listener registered with the worker token at an address of its choosing receives the rollback's Sync and no
     * credential at all: the trainer's bearer token never goes to an address a caller chose.
     */
    @Test
    @Order(3)
    void aRegistrationPointingElsewhereReceivesNoCredential() throws Exception {
        java.util.List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<io.grpc.Metadata> headers = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.grpc.ServerInterceptor recorder = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                    io.grpc.ServerCall<Q, R> call, io.grpc.Metadata metadata, io.grpc.ServerCallHandler<Q, R> next) {
                calls.add(call.getMethodDescriptor().getBareMethodName());
                headers.add(metadata);
                return next.startCall(call, metadata);
            }
        };
        io.grpc.Server listener = io.grpc.netty.NettyServerBuilder.forPort(0)
                .addService(io.grpc.ServerInterceptors.intercept(
                        new io.alexstream.proto.v1.ModelReceiverGrpc.ModelReceiverImplBase() {
                            @Override
                            public void sync(
                                    io.alexstream.proto.v1.SyncRequest request,
                                    io.grpc.stub.StreamObserver<io.alexstream.proto.v1.PushResult> answer) {
                                answer.onNext(io.alexstream.proto.v1.PushResult.newBuilder()
                                        .setAccepted(true)
                                        .setServingVersion(request.getVersion())
                                        .build());
                                answer.onCompleted();
                            }
                        },
                        recorder))
                .build()
                .start();
        try {
            as(TrainerTestResources.WORKER_TOKEN)
                    .registerWorker(WorkerRegistration.newBuilder()
                            .setWorkerId("listener")
                            .setAddress("localhost:" + listener.getPort())
                            .setServingVersion(2)
                            .build());
            onlyAnOperatorRollsBackAndOnlyToAnOlderVersionThatExists();
        } finally {
            listener.shutdownNow();
        }
        assertThat(calls)
                .as("the rollback reached the listener")
                .contains("Sync")
                .doesNotContain("PushWeights");
        for (io.grpc.Metadata metadata : headers) {
            assertThat(metadata.keys()).doesNotContain("authorization");
            for (String key : metadata.keys()) {
                if (!key.endsWith("-bin")) {
                    String value = metadata.get(io.grpc.Metadata.Key.of(key, io.grpc.Metadata.ASCII_STRING_MARSHALLER));
                    assertThat(value)
                            .doesNotContain(TrainerTestResources.TRAINER_TOKEN)
                            .doesNotContain(TrainerTestResources.OPERATOR_TOKEN)
                            .doesNotContain(TrainerTestResources.WORKER_TOKEN);
                }
            }
        }
    }

    void onlyAnOperatorRollsBackAndOnlyToAnOlderVersionThatExists() {
        assertStatus(
                () -> as(TrainerTestResources.OPERATOR_TOKEN)
                        .rollback(RollbackRequest.newBuilder().setVersion(7).build()),
                Status.Code.FAILED_PRECONDITION);
        assertStatus(
                () -> as(TrainerTestResources.OPERATOR_TOKEN)
                        .rollback(RollbackRequest.newBuilder().setVersion(2).build()),
                Status.Code.FAILED_PRECONDITION);
        RolloutStatus status = as(TrainerTestResources.OPERATOR_TOKEN)
                .rollback(RollbackRequest.newBuilder().setVersion(1).build());
        assertThat(status.getCurrentVersion()).isEqualTo(1);
        assertThat(status.getVersionsList()).extracting(v -> v.getVersion()).containsExactly(1L, 2L);
        // the registered worker at a dead address could not be reached: the others got the rollback all the same, the
        // rollout says which one it is still trying, and the status shows desired against served per worker
        assertThat(status.getState()).isEqualTo("CONVERGING");
        assertThat(status.getMessage()).contains("late-worker").doesNotContain("listener");
        var late = status.getWorkersList().stream()
                .filter(w -> w.getWorkerId().equals("late-worker"))
                .findFirst()
                .orElseThrow();
        assertThat(late.getDesiredVersion()).isEqualTo(1);
        assertThat(late.getReason()).startsWith("unreachable");
        var listening = status.getWorkersList().stream()
                .filter(w -> w.getWorkerId().equals("listener"))
                .findFirst()
                .orElseThrow();
        assertThat(listening.getServingVersion()).isEqualTo(1);
        assertThat(listening.getReason()).isEmpty();
    }

    @Test
    @Order(4)
    void labeledRecordsWaitInKafkaWhileARoundTrains() throws Exception {
        produceLabeled(0, 600);
        await(() -> stored() >= 600, "the first 600 examples stored");
        as(TrainerTestResources.OPERATOR_TOKEN)
                .triggerRound(TriggerRoundRequest.newBuilder().setEpochs(30).build());
        await(() -> rounds.activity() == Activity.TRAINING, "the round to start");
        int before = stored();
        produceLabeled(600, 100);
        long trainingSince = System.nanoTime();
        long watchedNanos = 0;
        while (rounds.activity() == Activity.TRAINING && watchedNanos < 4_000_000_000L) {
            assertThat(stored()).as("examples stored while the round trains").isEqualTo(before);
            Thread.sleep(100);
            watchedNanos = System.nanoTime() - trainingSince;
        }
        // without the pause the 100 records are stored within a second; the round must have lasted longer than that
        assertThat(watchedNanos)
                .as("how long the round was watched while it trained")
                .isGreaterThan(2_000_000_000L);
        await(() -> rounds.activity() != Activity.TRAINING, "the round to end");
        await(() -> stored() == before + 100, "the 100 waiting records stored after the round");
    }

    /**
     * An operator's rollback while a round trains wins: the workers are synced to it at once (not after the round),
     * and the round's candidate, trained from the version rolled away from, is recorded as superseded, not promoted.
     */
    @Test
    @Order(5)
    void aRollbackDuringARoundWinsOverTheRound() throws Exception {
        // a version above the current one to roll back from, whatever the previous round decided
        var from = versions.load(versions.current());
        var copy = new io.alexstream.engine.weights.ModelWeights(
                from.config(),
                new io.alexstream.engine.weights.WeightsMetadata(
                        versions.latest() + 1,
                        versions.current(),
                        java.time.Instant.now().toString(),
                        from.metadata().metrics(),
                        java.util.Map.of(),
                        java.util.List.of()),
                from.mean(),
                from.variables());
        long target = versions.current();
        versions.promote(copy);
        int roundsBefore = rounds.history().size();
        as(TrainerTestResources.OPERATOR_TOKEN)
                .triggerRound(TriggerRoundRequest.newBuilder().setEpochs(30).build());
        await(() -> rounds.activity() == Activity.TRAINING, "the round to start");
        RolloutStatus rolledBack = as(TrainerTestResources.OPERATOR_TOKEN)
                .rollback(RollbackRequest.newBuilder().setVersion(target).build());
        assertThat(rolledBack.getCurrentVersion()).isEqualTo(target);
        assertThat(rounds.activity())
                .as("the rollback did not wait for the round")
                .isEqualTo(Activity.TRAINING);
        await(() -> rounds.history().size() > roundsBefore, "the round to end");
        var round = rounds.history().get(rounds.history().size() - 1);
        assertThat(round.promoted()).isFalse();
        assertThat(round.decision()).startsWith("superseded");
        assertThat(versions.current()).isEqualTo(target);
    }

    @Test
    @Order(6)
    void onlyAReleaseManagerForcePromotes() throws Exception {
        byte[] artifact = Files.readAllBytes(versions.file(versions.current()));
        long latest = versions.latest();
        assertStatus(() -> forcePromote(null, upload("no credential", artifact)), Status.Code.UNAUTHENTICATED);
        assertStatus(
                () -> forcePromote(TrainerTestResources.OPERATOR_TOKEN, upload("an operator's", artifact)),
                Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> forcePromote(TrainerTestResources.WORKER_TOKEN, upload("a worker's", artifact)),
                Status.Code.PERMISSION_DENIED);
        // the release manager's role is force-promote and no more
        assertStatus(
                () -> as(TrainerTestResources.RELEASE_MANAGER_TOKEN)
                        .rollback(RollbackRequest.newBuilder().setVersion(1).build()),
                Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> as(TrainerTestResources.RELEASE_MANAGER_TOKEN)
                        .triggerRound(TriggerRoundRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED);
        assertThat(versions.latest()).as("nothing stored").isEqualTo(latest);
        assertThat(versions.file(latest + 1)).doesNotExist();
    }

    @Test
    @Order(7)
    void aForcePromotedArtifactBecomesTheNextVersionWithItsReason() throws Exception {
        long parent = versions.current();
        long next = versions.latest() + 1;
        byte[] artifact = Files.readAllBytes(versions.file(parent));

        RolloutStatus status = forcePromote(
                TrainerTestResources.RELEASE_MANAGER_TOKEN, upload("  hotfix trained offline, INC-42  ", artifact));

        assertThat(status.getCurrentVersion()).isEqualTo(next);
        assertThat(versions.current()).isEqualTo(next);
        assertThat(versions.latest()).isEqualTo(next);
        var version = status.getVersionsList().stream()
                .filter(v -> v.getVersion() == next)
                .findFirst()
                .orElseThrow();
        assertThat(version.getParentVersion()).isEqualTo(parent);
        WeightsMetadata stored = versions.metadata(next).orElseThrow();
        assertThat(stored.parentVersion()).isEqualTo(parent);
        assertThat(stored.hyperparameters())
                .containsEntry("forced", "true")
                .containsEntry("forced_reason", "hotfix trained offline, INC-42")
                .containsEntry("imported_version", Long.toString(parent));
        // the artifact on disk is whole and reads back as the new version with the same weights
        ModelWeights reread = versions.load(next);
        assertThat(reread.metadata().version()).isEqualTo(next);
        assertThat(reread.variables().get("fc8/bias"))
                .containsExactly(versions.load(parent).variables().get("fc8/bias"));
    }

    @Test
    @Order(8)
    void aForcePromoteThatIsNotWholeAndExplainedStoresNothing() throws Exception {
        long current = versions.current();
        long latest = versions.latest();
        byte[] artifact = Files.readAllBytes(versions.file(current));
        String token = TrainerTestResources.RELEASE_MANAGER_TOKEN;

        assertInvalid(() -> forcePromote(token, upload("   ", artifact)), "needs a reason");
        assertInvalid(() -> forcePromote(token, upload("", artifact)), "needs a reason");
        byte[] damaged = artifact.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        assertInvalid(() -> forcePromote(token, upload("a damaged one", damaged)), "not a model for profile small");
        assertInvalid(() -> forcePromote(token, upload("noise", new byte[1000])), "not a model for profile small");
        List<ForcePromoteRequest> dataFirst = new ArrayList<>(upload("data first", artifact));
        dataFirst.add(dataFirst.remove(0));
        assertInvalid(() -> forcePromote(token, dataFirst), "data before the header");
        assertInvalid(
                () -> forcePromote(token, upload("too many bytes", artifact, artifact.length - 10)),
                "more bytes than the header's total_bytes " + (artifact.length - 10));
        assertInvalid(
                () -> forcePromote(token, upload("too few bytes", artifact, artifact.length + 10)),
                "got " + artifact.length + " bytes of the announced " + (artifact.length + 10));
        List<ForcePromoteRequest> twoHeaders = new ArrayList<>(upload("two headers", artifact));
        twoHeaders.add(twoHeaders.get(0));
        assertInvalid(() -> forcePromote(token, twoHeaders), "a second header");
        assertInvalid(() -> forcePromote(token, upload("nothing announced", artifact, 0)), "total_bytes must lie in");
        assertInvalid(() -> forcePromote(token, List.of()), "no header");

        assertThat(versions.current()).as("still the version before").isEqualTo(current);
        assertThat(versions.latest()).as("nothing stored").isEqualTo(latest);
        assertThat(versions.file(latest + 1)).doesNotExist();
        try (var files = Files.list(versions.file(latest).getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("no staged artifact left behind")
                    .noneMatch(name -> name.endsWith(".staged"));
        }
    }

    /** A header with {@code reason} and the artifact's length, then the artifact in 1 MiB parts. */
    private static List<ForcePromoteRequest> upload(String reason, byte[] artifact) {
        return upload(reason, artifact, artifact.length);
    }

    private static List<ForcePromoteRequest> upload(String reason, byte[] artifact, long totalBytes) {
        List<ForcePromoteRequest> parts = new ArrayList<>();
        parts.add(ForcePromoteRequest.newBuilder()
                .setHeader(ForcePromoteHeader.newBuilder().setReason(reason).setTotalBytes(totalBytes))
                .build());
        for (int from = 0; from < artifact.length; from += 1 << 20) {
            parts.add(ForcePromoteRequest.newBuilder()
                    .setData(ByteString.copyFrom(artifact, from, Math.min(1 << 20, artifact.length - from)))
                    .build());
        }
        return parts;
    }

    /** Streams {@code parts} to ForcePromote as {@code token} (none when null) and waits for the answer. */
    private RolloutStatus forcePromote(String token, List<ForcePromoteRequest> parts) throws Exception {
        ModelRegistryGrpc.ModelRegistryStub stub =
                ModelRegistryGrpc.newStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        if (token != null) {
            stub = stub.withCallCredentials(new BearerCredentials(token));
        }
        CompletableFuture<RolloutStatus> answer = new CompletableFuture<>();
        StreamObserver<ForcePromoteRequest> sending = stub.forcePromote(new StreamObserver<>() {
            @Override
            public void onNext(RolloutStatus status) {
                answer.complete(status);
            }

            @Override
            public void onError(Throwable failure) {
                answer.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                answer.completeExceptionally(new AssertionError("ForcePromote completed without an answer"));
            }
        });
        for (ForcePromoteRequest part : parts) {
            sending.onNext(part);
        }
        sending.onCompleted();
        try {
            return answer.get(3, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw e;
        }
    }

    private static void assertInvalid(Executable call, String message) {
        assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode())
                    .as(String.valueOf(e.getStatus()))
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private int stored() {
        return ((Number) bank.stats().get("stored")).intValue();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private void produceLabeled(int firstId, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        Random random = new Random(firstId);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = firstId; i < firstId + count; i++) {
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>("images.labeled", "noise-" + i, EncodedImages.grayNoisePng(28, random));
                record.headers().add("label", Integer.toString(i % 10).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static void assertStatus(Executable call, Status.Code code) {
        assertThatThrownBy(call::execute)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode())
                                .as(String.valueOf(e.getStatus()))
                                .isEqualTo(code));
    }
}

package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.PullRequest;
import io.alexstream.proto.v1.RollbackRequest;
import io.alexstream.proto.v1.RolloutStatus;
import io.alexstream.proto.v1.RolloutStatusRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WorkerRegistration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;

/**
 * Tier: component over a real gRPC socket, with a real broker. The trainer's registry: the
 * roles each call needs, workers registering and pulling the current version, and the
 * explicit rollback (only to an existing older version, only by an operator).
 */
@QuarkusTest
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelRegistryTest {

    @GrpcClient("registry")
    io.grpc.Channel channel;

    ModelRegistryGrpc.ModelRegistryBlockingStub as(String token) {
        ModelRegistryGrpc.ModelRegistryBlockingStub stub = ModelRegistryGrpc.newBlockingStub(channel);
        return token == null ? stub : stub.withCallCredentials(new BearerCredentials(token));
    }

    @Test
    @Order(1)
    void eachCallNeedsItsRole() {
        assertStatus(() -> as(null).getRolloutStatus(RolloutStatusRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED);
        assertStatus(() -> as(TrainerTestResources.WORKER_TOKEN).rollback(RollbackRequest.newBuilder().setVersion(1).build()),
                Status.Code.PERMISSION_DENIED);
        assertStatus(() -> as(TrainerTestResources.OPERATOR_TOKEN).registerWorker(WorkerRegistration.newBuilder()
                .setWorkerId("w").setAddress("localhost:1").build()), Status.Code.PERMISSION_DENIED);
        assertStatus(() -> as(TrainerTestResources.TRAINER_TOKEN).pullWeights(PullRequest.getDefaultInstance()).hasNext(),
                Status.Code.PERMISSION_DENIED);
        assertThat(as(TrainerTestResources.OPERATOR_TOKEN).getRolloutStatus(RolloutStatusRequest.getDefaultInstance())
                .getCurrentVersion()).as("nothing changed").isEqualTo(2);
    }

    @Test
    @Order(2)
    void aWorkerPullsTheCurrentVersion() throws Exception {
        long current = as(TrainerTestResources.WORKER_TOKEN).registerWorker(WorkerRegistration.newBuilder()
                .setWorkerId("late-worker").setAddress("localhost:1").setServingVersion(0).build()).getCurrentVersion();
        assertThat(current).isEqualTo(2);
        List<byte[]> chunks = new ArrayList<>();
        as(TrainerTestResources.WORKER_TOKEN).pullWeights(PullRequest.newBuilder().setWorkerId("late-worker").build())
                .forEachRemaining(chunk -> {
                    if (!chunk.hasHeader()) {
                        chunks.add(chunk.getData().toByteArray());
                    }
                });
        assertThat(WeightsCodec.readChunks(chunks, WeightsCodec.DEFAULT_MAX_BYTES).metadata().version()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void onlyAnOperatorRollsBackAndOnlyToAnOlderVersionThatExists() {
        assertStatus(() -> as(TrainerTestResources.OPERATOR_TOKEN).rollback(RollbackRequest.newBuilder().setVersion(7).build()),
                Status.Code.FAILED_PRECONDITION);
        assertStatus(() -> as(TrainerTestResources.OPERATOR_TOKEN).rollback(RollbackRequest.newBuilder().setVersion(2).build()),
                Status.Code.FAILED_PRECONDITION);
        RolloutStatus status = as(TrainerTestResources.OPERATOR_TOKEN).rollback(RollbackRequest.newBuilder().setVersion(1).build());
        assertThat(status.getCurrentVersion()).isEqualTo(1);
        assertThat(status.getVersionsList()).extracting(v -> v.getVersion()).containsExactly(1L, 2L);
        // the registered worker (a dead address) could not be reached: the rollout says so
        assertThat(status.getState()).isEqualTo("FAILED");
        assertThat(status.getMessage()).contains("late-worker");
    }

    private static void assertStatus(Executable call, Status.Code code) {
        assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).as(String.valueOf(e.getStatus())).isEqualTo(code));
    }
}

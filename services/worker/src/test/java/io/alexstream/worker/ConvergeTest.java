package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.SyncRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tier: component over real sockets, against a fake trainer registry. The trainer's desired
 * version is what a worker serves: Sync (open, no credential) converges at once, up; a
 * rollback the worker never heard of (the trainer's version goes down) reaches it through its
 * own heartbeat, although the trainer's version is lower than the one it serves.
 */
@QuarkusTest
@QuarkusTestResource(
        value = WorkerTestResources.class,
        restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "trainer", value = "fake"))
class ConvergeTest {

    @io.quarkus.grpc.GrpcClient("classifier")
    io.grpc.Channel channel;

    // read from the bean, not /q/metrics: a gauge of an earlier test's application can shadow this one's in one JVM
    @jakarta.inject.Inject
    io.alexstream.worker.inference.ServingModel models;

    @Test
    void syncConvergesUpAndAMissedRollbackArrivesByTheHeartbeat() throws Exception {
        awaitServed(1);
        WorkerTestResources.fakeTrainer.desired.set(2);
        PushResult synced = ModelReceiverGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .sync(SyncRequest.newBuilder().setVersion(2).build());
        assertThat(synced.getServingVersion()).isEqualTo(2);
        assertThat(servedVersion()).isEqualTo(2L);

        // the trainer rolled back while this worker was not told: no push, no Sync, only its heartbeat
        WorkerTestResources.fakeTrainer.desired.set(1);
        awaitServed(1);
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    private void awaitServed(long version) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (servedVersion() != version && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(servedVersion()).as("served version").isEqualTo(version);
    }

    private long servedVersion() {
        return models.servedVersion();
    }
}

package io.alexstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.alexstream.contracts.Topics;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.SyncRequest;
import io.alexstream.testing.metrics.PrometheusText;
import io.alexstream.trainer.rollout.PublishedFigures;
import io.alexstream.trainer.rollout.RolloutService;
import io.alexstream.trainer.rollout.WorkerState;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.VersionStore;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier: component, with a real broker and two workers that answer Sync. With canaries on, a new version goes to the
 * first worker only; the evaluations topic then decides it against the version the other worker keeps serving: clearly
 * worse, the trainer rolls it back to that version; not worse and with enough labelled answers, it goes to every worker
 * and is counted in {@code alexstream_trainer_canary_promotions_total}.
 */
@QuarkusTest
@TestProfile(CanaryAutoRollbackTest.CanaryOn.class)
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanaryAutoRollbackTest {

    static final long MIN_LABELLED = 300;

    /** Canaries on, promoted after {@link #MIN_LABELLED} labelled answers; registrations outlive the test. */
    public static class CanaryOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "alexstream.rollout.canary.enabled", "true",
                    "alexstream.rollout.canary.min-labelled", Long.toString(MIN_LABELLED),
                    "alexstream.rollout.registration-ttl", "PT30M");
        }
    }

    /** A worker that serves whatever version it is asked to sync to, and remembers each request. */
    static final class SyncingWorker {
        final List<Long> syncs = new CopyOnWriteArrayList<>();
        final Server server;

        SyncingWorker() throws Exception {
            server = NettyServerBuilder.forPort(0)
                    .addService(new ModelReceiverGrpc.ModelReceiverImplBase() {
                        @Override
                        public void sync(SyncRequest request, StreamObserver<PushResult> answer) {
                            syncs.add(request.getVersion());
                            answer.onNext(PushResult.newBuilder()
                                    .setAccepted(true)
                                    .setServingVersion(request.getVersion())
                                    .build());
                            answer.onCompleted();
                        }
                    })
                    .build()
                    .start();
        }

        String address() {
            return "localhost:" + server.getPort();
        }
    }

    @Inject
    VersionStore versions;

    @Inject
    RolloutService rollout;

    @Inject
    PublishedFigures published;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    SyncingWorker canaryWorker;
    SyncingWorker stableWorker;

    @BeforeAll
    void startWorkers() throws Exception {
        canaryWorker = new SyncingWorker();
        stableWorker = new SyncingWorker();
    }

    @AfterAll
    void stopWorkers() {
        canaryWorker.server.shutdownNow();
        stableWorker.server.shutdownNow();
    }

    /**
     * Version 4 arrives while version 3's canary runs: its parent is 3, but the other worker still serves 2, and 2 is
     * what it is judged against and rolled back to. Against its parent it would not be worse.
     */
    @Test
    @Order(1)
    void aCanaryClearlyWorseThanTheStableVersionIsRolledBackToIt() throws Exception {
        assertThat(versions.current()).isEqualTo(2);
        // ids sort: worker-a is the canary worker
        assertThat(rollout.register("worker-b", stableWorker.address(), 2)).isEqualTo(2);
        assertThat(rollout.register("worker-a", canaryWorker.address(), 2)).isEqualTo(2);

        promote(3, 2);
        assertThat(rollout.canary()).contains(new Canary(3, 2));
        promote(4, 3);

        assertThat(rollout.canary()).contains(new Canary(4, 2));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.CANARY);
        assertThat(canaryWorker.syncs).containsExactly(3L, 4L);
        assertThat(stableWorker.syncs).isEmpty();
        given().when()
                .get("/v1/status")
                .then()
                .statusCode(200)
                .body("canary.version", equalTo(4))
                .body("canary.stable", equalTo(2))
                .body("canary.workers", contains("worker-a"));

        produce("2", figures(2, 400, 0.90), "3", figures(3, 400, 0.55), "4", figures(4, 400, 0.60));

        await(() -> versions.rollback(4).isPresent(), "the canary rolled back, the reason in version 4's lineage");
        assertThat(versions.current()).isEqualTo(2);
        assertThat(versions.rollback(4).orElseThrow().rolledBackTo()).isEqualTo(2);
        assertThat(versions.rollback(4).orElseThrow().previousTop1()).isEqualTo(0.90);
        assertThat(rollout.canary()).isEmpty();
        assertThat(versions.canary()).isEmpty();
        assertThat(canaryWorker.syncs).containsExactly(3L, 4L, 2L);
        assertThat(stableWorker.syncs)
                .as("the stable worker never left version 2")
                .isEmpty();
        assertThat(rollout.workers())
                .extracting(WorkerState::desiredVersion, WorkerState::servingVersion)
                .containsOnly(tuple(2L, 2L));
        assertThat(metrics.counter("alexstream.trainer.auto.rollbacks").count()).isEqualTo(1.0);
        assertThat(metrics.counter("alexstream.trainer.canary.promotions").count())
                .isEqualTo(0.0);
        given().when().get("/v1/status").then().statusCode(200).body("canary", nullValue());
    }

    @Test
    @Order(2)
    void aCanaryNotWorseWithEnoughLabelledAnswersGoesToEveryWorker() throws Exception {
        assertThat(versions.current()).isEqualTo(2);
        promote(5, 2);
        assertThat(rollout.canary()).contains(new Canary(5, 2));
        assertThat(canaryWorker.syncs).endsWith(5L);
        assertThat(stableWorker.syncs).isEmpty();

        // as good, but fewer labelled answers than the canary needs: it stays a canary
        produce("5", figures(5, 100, 0.91));
        await(
                () -> published.figures().containsKey(5L)
                        && published.figures().get(5L).labelled() == 100,
                "the canary's first figures read");
        Thread.sleep(2_000);
        assertThat(rollout.canary()).as("still a canary at 100 labelled").contains(new Canary(5, 2));
        assertThat(stableWorker.syncs).isEmpty();

        produce("5", figures(5, MIN_LABELLED, 0.91));

        // counted once every worker has been asked
        await(
                () -> metrics.counter("alexstream.trainer.canary.promotions").count() > 0,
                "the canary promoted to every worker");
        assertThat(rollout.canary()).isEmpty();
        assertThat(versions.current()).isEqualTo(5);
        assertThat(versions.canary()).isEmpty();
        assertThat(versions.rollback(5)).isEmpty();
        assertThat(stableWorker.syncs).containsExactly(5L);
        assertThat(rollout.workers())
                .extracting(WorkerState::desiredVersion, WorkerState::servingVersion)
                .containsOnly(tuple(5L, 5L));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.DONE);
        String exposition = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(PrometheusText.value(exposition, "alexstream_trainer_canary_promotions_total"))
                .isEqualTo(1.0);
        assertThat(PrometheusText.value(exposition, "alexstream_trainer_auto_rollbacks_total"))
                .as("only version 4's")
                .isEqualTo(1.0);
    }

    /** Stores a copy of version {@code parent}'s weights as {@code version} and rolls it out as a round would. */
    private void promote(long version, long parent) throws Exception {
        ModelWeights from = versions.load(parent);
        versions.promote(new ModelWeights(
                from.config(),
                new WeightsMetadata(
                        version,
                        parent,
                        Instant.now().toString(),
                        from.metadata().metrics(),
                        Map.of(),
                        List.of()),
                from.mean(),
                from.variables()));
        rollout.rollOut(version, false);
    }

    private static String figures(long version, long labelled, double top1) {
        return String.format(
                Locale.ROOT,
                "{\"model_version\":%d,\"labelled\":%d,\"top1\":%.2f,\"top5\":0.99,\"ece\":0.05,"
                        + "\"window_seconds\":600,\"updated_at\":\"2026-12-06T17:00:00Z\"}",
                version,
                labelled,
                top1);
    }

    private void produce(String... keysAndValues) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < keysAndValues.length; i += 2) {
                producer.send(new ProducerRecord<>(
                        Topics.EVALUATIONS, keysAndValues[i], keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}

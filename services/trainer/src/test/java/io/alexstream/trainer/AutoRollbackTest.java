package io.alexstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.alexstream.contracts.Topics;
import io.alexstream.trainer.store.RollbackRecord;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Tier: component, with a real broker. The trainer serves version 2 (trained from 1); the evaluations topic says
 * version 2 answers far worse live than version 1 did, after a malformed record that is skipped. The trainer rolls
 * back to version 1 by itself, through the operator's rollback path, records why in version 2's lineage, shows it in
 * {@code /v1/status} and counts it.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
class AutoRollbackTest {

    @Inject
    VersionStore versions;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void aVersionMuchWorseLiveThanItsParentIsRolledBackByTheTrainer() throws Exception {
        assertThat(versions.current()).isEqualTo(2);
        produce(
                "2", "not json at all",
                "1", figures(1, 400, 0.90),
                "2", figures(2, 400, 0.60));

        await(() -> versions.current() == 1, "the trainer to roll back to version 1");
        await(() -> versions.rollback(2).isPresent(), "the reason recorded in version 2's lineage");
        RollbackRecord reason = versions.rollback(2).orElseThrow();
        assertThat(reason.rolledBackTo()).isEqualTo(1);
        assertThat(reason.servingLabelled()).isEqualTo(400);
        assertThat(reason.servingTop1()).isEqualTo(0.60);
        assertThat(reason.previousTop1()).isEqualTo(0.90);
        // pooled 0.75, error sqrt(0.75 * 0.25 * 2 / 400) = 0.030619, z = 0.30 / 0.030619 = 9.798
        assertThat(reason.z()).isBetween(9.79, 9.81);
        assertThat(reason.pValue()).isLessThan(0.05);

        given().when()
                .get("/v1/status")
                .then()
                .statusCode(200)
                .body("current_version", equalTo(1))
                .body("last_auto_rollback.version", equalTo(2))
                .body("last_auto_rollback.rolledBackTo", equalTo(1))
                .body("auto_rollbacks", hasSize(1));
        assertThat(metrics.counter("alexstream.trainer.auto.rollbacks").count()).isEqualTo(1.0);
        assertThat(metrics.counter("alexstream.trainer.evaluations.rejected").count())
                .as("the malformed record, skipped without stopping the channel")
                .isEqualTo(1.0);
    }

    private static String figures(long version, long labelled, double top1) {
        return String.format(
                java.util.Locale.ROOT,
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

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}

package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker. A worker started without weights is not ready and
 * does not consume: an image waits in the topic, unanswered and uncommitted, rather than
 * being classified by random weights.
 */
@QuarkusTest
@QuarkusTestResource(
        value = WorkerTestResources.class,
        restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "weights", value = "false"))
class NoModelTest {

    @io.quarkus.grpc.GrpcClient("classifier")
    io.alexstream.proto.v1.ClassifierGrpc.ClassifierBlockingStub classifier;

    @Test
    void withoutAModelGrpcClassifyIsUnavailableWithTheReason() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> classifier.classify(io.alexstream.proto.v1.ClassifyRequest.newBuilder()
                                .setImage(com.google.protobuf.ByteString.copyFromUtf8("anything"))
                                .build()))
                .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("no model loaded");
                });
    }

    @Test
    void withoutAModelTheWorkerIsUnreadyAndConsumesNothing() throws Exception {
        given().when().get("/q/health/ready").then().statusCode(503).body(containsString("no weights loaded yet"));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "waiting-1", new byte[] {1, 2, 3}))
                    .get();
        }
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "no-model-observer");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int answers = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(WorkerTestResources.PREDICTIONS, WorkerTestResources.DEAD_LETTERS));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                answers += consumer.poll(Duration.ofMillis(300)).count();
            }
        }
        assertThat(answers)
                .as("predictions or dead letters from a worker without a model")
                .isZero();
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers))) {
            var offsets = admin.listConsumerGroupOffsets("alexstream-workers")
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            assertThat(offsets).isEmpty();
        }
    }
}

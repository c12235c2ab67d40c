package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.Classifier;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.testing.images.EncodedImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.HashMap;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: component, a worker started with {@code alexstream.worker.shadow=true} against a real broker. It answers no
 * caller (gRPC Classify and ClassifyStream are FAILED_PRECONDITION), reads the images in its own consumer group and
 * publishes its answers to the shadow topic only: nothing reaches the predictions or review topics, and the serving
 * workers' group keeps every image to answer.
 */
@QuarkusTest
@QuarkusTestResource(
        value = WorkerTestResources.class,
        restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "shadow", value = "true"))
class ShadowWorkerTest {

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @GrpcClient("classifier")
    Classifier streaming;

    @Test
    void classifyIsRefusedWithFailedPrecondition() {
        assertThatThrownBy(() -> classifier.classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(EncodedImages.png(64, 64)))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo("a shadow worker answers no callers");
                });
    }

    @Test
    void classifyStreamIsRefusedWithFailedPrecondition() {
        Multi<ClassifyRequest> one = Multi.createFrom()
                .item(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(EncodedImages.png(64, 64)))
                        .build());
        assertThatThrownBy(() ->
                        streaming.classifyStream(one).collect().asList().await().atMost(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void imagesAreAnsweredOnTheShadowTopicOnly() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 3; i++) {
                // noise: a low top-1 that a serving worker would copy to review
                producer.send(new ProducerRecord<>(
                                WorkerTestResources.IMAGES, "sh-" + i, EncodedImages.noisePng(64, 64, i)))
                        .get();
            }
        }
        Map<String, String> shadow = read(WorkerTestResources.PREDICTIONS_SHADOW, 3, Duration.ofSeconds(60));
        assertThat(shadow).containsOnlyKeys("sh-0", "sh-1", "sh-2");
        assertThat(shadow.get("sh-0")).contains("\"model_version\":1");
        assertThat(read(WorkerTestResources.PREDICTIONS, 1, Duration.ofSeconds(3)))
                .as("answers on the callers' predictions topic")
                .isEmpty();
        assertThat(read(WorkerTestResources.REVIEW, 1, Duration.ofSeconds(1)))
                .as("review copies from a shadow worker")
                .isEmpty();
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers))) {
            assertThat(admin.listConsumerGroupOffsets("alexstream-workers")
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS))
                    .as("the serving workers' offsets")
                    .isEmpty();
        }
    }

    private static Map<String, String> read(String topic, int wanted, Duration atMost) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "shadow-test-" + topic);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, String> values = new HashMap<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + atMost.toNanos();
            while (values.size() < wanted && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> values.put(r.key(), r.value()));
            }
        }
        return values;
    }
}

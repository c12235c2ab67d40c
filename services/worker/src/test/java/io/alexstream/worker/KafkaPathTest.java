package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.worker.messaging.Channels;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker. Images produced by a plain Kafka producer get one
 * ten-crop prediction each on the predictions topic, a corrupt record lands in the dead-letter
 * topic with its reason and original bytes, the consumer keeps going, and the offsets of all
 * of them are committed.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class KafkaPathTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyImageGetsOnePredictionAndBadRecordsAreDeadLettered() throws Exception {
        given().when().get("/q/health/ready").then().statusCode(200);
        byte[] garbage = "definitely not an image".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 1; i <= 3; i++) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(WorkerTestResources.IMAGES, "img-" + i, png(40 + i, 30));
                record.headers().add(Channels.HEADER_CORRELATION_ID, ("corr-" + i).getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
            producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "bad-1", garbage)).get();
        }

        Map<String, ConsumerRecord<String, byte[]>> predictions = consume(WorkerTestResources.PREDICTIONS, 3);
        assertThat(predictions).containsOnlyKeys("img-1", "img-2", "img-3");
        for (var entry : predictions.entrySet()) {
            JsonNode prediction = json.readTree(entry.getValue().value());
            assertThat(prediction.get("image_id").asText()).isEqualTo(entry.getKey());
            assertThat(prediction.get("model_version").asLong()).isEqualTo(1L);
            assertThat(prediction.get("crops_used").asInt()).isEqualTo(10);
            assertThat(prediction.get("worker_id").asText()).isEqualTo("worker-1");
            assertThat(prediction.get("top")).hasSize(5);
            assertThat(prediction.get("correlation_id").asText()).isEqualTo("corr-" + entry.getKey().substring(4));
            assertThat(prediction.get("timings").get("inference_seconds").asDouble()).isPositive();
        }

        Map<String, ConsumerRecord<String, byte[]>> deadLetters = consume(WorkerTestResources.DEAD_LETTERS, 1);
        ConsumerRecord<String, byte[]> dead = deadLetters.get("bad-1");
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(new String(dead.headers().lastHeader(Channels.HEADER_REASON).value(), StandardCharsets.UTF_8))
                .isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(new String(dead.headers().lastHeader(Channels.HEADER_SOURCE_TOPIC).value(), StandardCharsets.UTF_8))
                .isEqualTo(WorkerTestResources.IMAGES);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long committed = 0;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers))) {
            while (committed < 4 && System.nanoTime() < deadline) {
                Map<?, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("alexstream-workers")
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                committed = offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
                Thread.sleep(200);
            }
        }
        assertThat(committed).as("committed offsets over the images topic").isEqualTo(4);
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "worker-test-" + topic);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (byKey.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    assertThat(byKey.put(r.key(), r)).as("one record per key on " + topic).isNull();
                });
            }
        }
        return byKey;
    }

    private static byte[] png(int w, int h) throws Exception {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        image.setRGB(w / 2, h / 2, 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}

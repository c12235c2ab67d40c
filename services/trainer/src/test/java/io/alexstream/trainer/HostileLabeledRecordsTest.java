package io.alexstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.alexstream.contracts.Headers;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.images.HostileImages;
import io.alexstream.testing.kafka.RecordHeaders;
import io.alexstream.trainer.training.ExampleBank;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Tier: component with a real broker. Hostile labeled records (a null label header value, a
 * 70,000-byte image id, a non-UTF-8 image id, an empty value, a tombstone, a 54-byte BMP whose
 * header declares 2 GB, a 3 MiB value that is no image) arrive before ordinary labeled images:
 * the ordinary ones are stored, each hostile one is on the labeled dead-letter topic with its
 * reason, the batch's offsets are committed, and the consumer goes on reading.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
class HostileLabeledRecordsTest {

    static final String LABELED = "images.labeled";
    static final String DEAD_LETTERS = "images.labeled.dead-letter";
    static final String CASE = "test-case";

    @Inject
    ExampleBank bank;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void everyHostileRecordIsDeadLetteredAndTheConsumerKeepsReading() throws Exception {
        int before = stored();
        String hugeId = "i".repeat(70_000);
        byte[] notAnImage = new byte[3 << 20];
        new Random(3).nextBytes(notAnImage);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(labeled("null-label", "a", png(1), null));
            ProducerRecord<String, byte[]> longId = labeled("long-id", "b", png(2), "3");
            longId.headers().add(Headers.IMAGE_ID, hugeId.getBytes(StandardCharsets.UTF_8));
            producer.send(longId);
            ProducerRecord<String, byte[]> badId = labeled("non-utf8-id", "c", png(3), "3");
            badId.headers().add(Headers.IMAGE_ID, new byte[] {(byte) 0xC3, 0x28});
            producer.send(badId);
            producer.send(labeled("zero-length", "d", new byte[0], "3"));
            producer.send(labeled("tombstone", "e", null, "3"));
            producer.send(labeled("huge-bmp", "f", HostileImages.bmpDeclaringHugeData(), "3"));
            producer.send(labeled("not-an-image", "g", notAnImage, "3"));
            for (int i = 0; i < 20; i++) {
                producer.send(labeled("ordinary", "ok-" + i, png(100 + i), Integer.toString(i % 10)));
            }
            producer.flush();
        }

        await(() -> stored() == before + 20, "the 20 ordinary images stored after the hostile ones");
        Map<String, ConsumerRecord<String, byte[]>> letters = deadLetters(7);
        assertThat(letters.keySet())
                .containsExactlyInAnyOrder(
                        "null-label", "long-id", "non-utf8-id", "zero-length", "tombstone", "huge-bmp", "not-an-image");
        assertThat(reason(letters.get("null-label"))).isEqualTo("BAD_HEADER");
        assertThat(reason(letters.get("long-id"))).isEqualTo("BAD_ID");
        assertThat(letters.get("long-id").key()).startsWith("sha256:").hasSize(7 + 64);
        assertThat(reason(letters.get("non-utf8-id"))).isEqualTo("BAD_HEADER");
        assertThat(reason(letters.get("zero-length"))).isEqualTo("EMPTY");
        assertThat(reason(letters.get("tombstone"))).isEqualTo("EMPTY");
        // whatever the decoder makes of it (CORRUPT, or INTERNAL where the JDK's reader runs out of memory), it is
        // dead-lettered
        assertThat(reason(letters.get("huge-bmp"))).isNotBlank();
        assertThat(letters.get("huge-bmp").value()).isEqualTo(HostileImages.bmpDeclaringHugeData());
        ConsumerRecord<String, byte[]> cut = letters.get("not-an-image");
        assertThat(reason(cut)).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(cut.value()).hasSize(1 << 20);
        assertThat(RecordHeaders.text(cut, "dead-letter-truncated")).isEqualTo("true");
        assertThat(RecordHeaders.text(cut, "dead-letter-original-bytes")).isEqualTo(Integer.toString(3 << 20));
        for (ConsumerRecord<String, byte[]> letter : letters.values()) {
            assertThat(RecordHeaders.text(letter, "dead-letter-topic")).isEqualTo(LABELED);
            assertThat(RecordHeaders.text(letter, "dead-letter-offset")).isNotBlank();
            assertThat(RecordHeaders.text(letter, "dead-letter-message")).isNotBlank();
        }
        assertThat(metrics.counter("alexstream.trainer.examples.rejected", "reason", "BAD_HEADER")
                        .count())
                .isEqualTo(2.0);

        await(this::everythingCommitted, "the consumer group's offset at the end of the labeled topic");
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(labeled("later", "later-1", png(500), "4")).get();
        }
        await(() -> stored() == before + 21, "a later image stored: the consumer still reads");
    }

    private int stored() {
        return ((Number) bank.stats().get("stored")).intValue();
    }

    private boolean everythingCommitted() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            TopicPartition partition = new TopicPartition(LABELED, 0);
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                    .partitionResult(partition)
                    .get()
                    .offset();
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets("alexstream-trainer")
                    .partitionsToOffsetAndMetadata()
                    .get()
                    .get(partition);
            return committed != null && committed.offset() == end;
        } catch (Exception e) {
            return false;
        }
    }

    private Map<String, ConsumerRecord<String, byte[]>> deadLetters(int expected) throws InterruptedException {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(20 << 20));
        Map<String, ConsumerRecord<String, byte[]>> byCase = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(DEAD_LETTERS, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (byCase.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    byCase.put(RecordHeaders.text(record, CASE), record);
                }
            }
        }
        return byCase;
    }

    private static String reason(ConsumerRecord<String, byte[]> letter) {
        return RecordHeaders.text(letter, "dead-letter-reason");
    }

    private static ProducerRecord<String, byte[]> labeled(String testCase, String key, byte[] value, String label) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(LABELED, key, value);
        record.headers().add(CASE, testCase.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Headers.LABEL, label == null ? null : label.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(20 << 20));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static byte[] png(int seed) {
        return EncodedImages.grayNoisePng(28, new Random(seed));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}

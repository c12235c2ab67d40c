package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.testing.images.EncodedImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
 * Tier: integration against a real broker. Images waiting in the topic are classified in full
 * batches even when the polls that bring them are not multiples of the batch: a run that ends
 * finds the next polls' images already in the batcher, up to the in-flight limit. Counting a
 * poll's permits until its last image was answered left a poll's remainder to run alone: with
 * polls of 6 and batches of 4, about half the runs were partial.
 */
@QuarkusTest
@TestProfile(KafkaBacklogTest.PollsOfSixBatchesOfFour.class)
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class KafkaBacklogTest {

    static final int MAX_BATCH = 4;
    static final int POLL_RECORDS = 6;
    static final int IMAGES = 60;

    public static class PollsOfSixBatchesOfFour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the batcher's own choice of size would make short runs on purpose: this test counts the consumer's.
            // A 500 ms wait lets a run wait for the next poll's images on a loaded machine; a consumer that holds
            // the next poll back until the run's images are answered still leaves the remainder to run alone
            return Map.of(
                    "alexstream.worker.max-batch",
                    Integer.toString(MAX_BATCH),
                    "alexstream.worker.max-wait-millis",
                    "500",
                    "alexstream.worker.batch-tuning",
                    "false",
                    "alexstream.worker.kafka-batches-in-flight",
                    "2",
                    "mp.messaging.incoming.images-in.max.poll.records",
                    Integer.toString(POLL_RECORDS));
        }
    }

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aBacklogRunsInFullBatchesWhateverThePollSizes() throws Exception {
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        // one produce request: the whole backlog is in the topic before the first poll can take part of it
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
        producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < IMAGES; i++) {
                producer.send(new ProducerRecord<>(
                        WorkerTestResources.IMAGES, 0, "backlog-" + i, EncodedImages.noisePng(48, 36, i)));
            }
            producer.flush();
        }

        Map<String, JsonNode> predictions = predictions("backlog-", IMAGES);
        assertThat(predictions).hasSize(IMAGES);
        // the images of one session run share its inference time and batch size
        Map<Double, Integer> imagesPerRun = new TreeMap<>();
        for (JsonNode prediction : predictions.values()) {
            JsonNode timings = prediction.get("timings");
            imagesPerRun.merge(timings.get("inference_seconds").asDouble(), 1, Integer::sum);
            assertThat(timings.get("batch_size").asInt()).isBetween(1, MAX_BATCH);
        }
        long partialRuns = imagesPerRun.values().stream()
                .filter(images -> images < MAX_BATCH)
                .count();
        // 60 images in batches of 4 are 15 full runs; a few partial ones come among the first runs (while the JIT
        // compilers are cold, a run can end before this thread decoded the next poll)
        assertThat(partialRuns)
                .as("runs with fewer than %d images, of %s", MAX_BATCH, imagesPerRun.values())
                .isLessThanOrEqualTo(6);
    }

    /** The first prediction of each image whose id starts with the prefix. */
    private Map<String, JsonNode> predictions(String prefix, int expected) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "backlog-test-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, JsonNode> byId = new HashMap<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(WorkerTestResources.PREDICTIONS));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (byId.size() < expected && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(300))) {
                    if (record.key().startsWith(prefix)) {
                        byId.putIfAbsent(record.key(), json.readTree(record.value()));
                    }
                }
            }
        }
        return byId;
    }
}

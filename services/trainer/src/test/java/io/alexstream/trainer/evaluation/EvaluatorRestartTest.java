package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.engine.model.Profiles;
import io.alexstream.testing.kafka.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The evaluator on a real broker, exactly_once_v2: its figures reach the evaluations topic, and an evaluator started
 * again with the same application id (and an empty state directory, as on a new machine) goes on from the committed
 * counts: a further label is counted on top of them, not from zero, and a label sent again is not counted twice; a
 * review copy with its label becomes one training example, and no label or copy sent again makes a second; a shadow
 * answer compared with its image's prediction is counted, and its total is restored after the restart.
 */
class EvaluatorRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private static TestBroker kafka;
    private static Path dir;

    @BeforeAll
    static void broker() throws Exception {
        dir = Files.createTempDirectory("alexstream-evaluator-test");
        kafka = TestBroker.start(
                dir.resolve("kafka"),
                Map.of(
                        Topics.PREDICTIONS,
                        2,
                        Topics.LABELS,
                        2,
                        Topics.EVALUATIONS,
                        1,
                        Topics.REVIEW,
                        2,
                        Topics.LABELED,
                        1,
                        Topics.PREDICTIONS_SHADOW,
                        2));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aRestartedEvaluatorCountsOnFromTheCommittedFigures() throws Exception {
        EvaluationSettings settings = new EvaluationSettings(
                EvaluationTopics.defaults().withShadow(Topics.PREDICTIONS_SHADOW),
                Duration.ofMinutes(10),
                Duration.ofHours(1),
                1 << 20,
                Profiles.FASHION_MNIST_CLASSES);
        Instant t0 = Instant.now();
        try (KafkaProducer<String, byte[]> producer = producer();
                KafkaConsumer<String, String> evaluations = evaluationsConsumer();
                KafkaConsumer<String, byte[]> examples = examplesConsumer()) {
            Recording first = new Recording();
            try (EvaluationStreams evaluator = new EvaluationStreams(properties("first"), settings, first)) {
                evaluator.start();
                predict(producer, "a", 2, t0);
                predict(producer, "b", 3, t0);
                copy(producer, "a", t0); // a review copy: its label makes it a training example
                label(producer, "a", "2", t0.plusSeconds(1)); // right
                label(producer, "b", "4", t0.plusSeconds(2)); // wrong
                shadow(producer, "a", 2, t0.plusSeconds(1)); // a shadow answer that agrees with a's
                JsonNode figures = awaitLabelled(evaluations, 2);
                assertThat(figures.path("top1").asDouble()).isEqualTo(0.5);
                assertThat(awaitExamples(examples, 1)).hasSize(1);
                awaitShadowCompared(first, 1);
            }

            Recording second = new Recording();
            try (EvaluationStreams evaluator = new EvaluationStreams(properties("second"), settings, second)) {
                evaluator.start();
                copy(producer, "a", t0.plusSeconds(3)); // redelivered: trains nothing again
                label(producer, "a", "2", t0.plusSeconds(3)); // sent again: a duplicate, not counted twice
                predict(producer, "c", 5, t0.plusSeconds(3));
                label(producer, "c", "5", t0.plusSeconds(4)); // right
                JsonNode figures = awaitLabelled(evaluations, 3);
                assertThat(figures.path("top1").asDouble())
                        .isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(second.outcomes.get(Outcome.LABEL_DUPLICATE)).isEqualTo(1);
                assertThat(second.outcomes.get(Outcome.LABEL_JOINED))
                        .as("restored and then added to")
                        .isEqualTo(3);
                assertThat(second.figures.get(1L).labelled()).isEqualTo(3);
                // restored totals are published once each store is restored, not necessarily before the new labels
                awaitOutcome(second, Outcome.REVIEW_RELABELLED, 1);
                assertThat(second.outcomes.get(Outcome.REVIEW_RELABELLED))
                        .as("restored")
                        .isEqualTo(1);
                assertThat(awaitExamples(examples, 0))
                        .as("no second training example")
                        .isEmpty();
                awaitShadowCompared(second, 1);
                assertThat(second.shadow).as("shadow totals restored").containsEntry(2L, 1L);
            }
        }
    }

    /** Reads the evaluations topic (committed records only) until version 1 reports {@code labelled}. */
    private static JsonNode awaitLabelled(KafkaConsumer<String, String> consumer, long labelled) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        List<Long> seen = new ArrayList<>();
        while (Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                JsonNode figures = JSON.readTree(record.value());
                seen.add(figures.path("labelled").asLong());
                assertThat(figures.path("labelled").asLong())
                        .as("labelled counts so far %s: never from zero, never twice", seen)
                        .isLessThanOrEqualTo(labelled);
                if (figures.path("labelled").asLong() == labelled) {
                    assertThat(seen).as("each update adds one label").doesNotHaveDuplicates();
                    return figures;
                }
            }
        }
        throw new AssertionError("no evaluation with labelled=" + labelled + " within " + PATIENCE + "; saw " + seen);
    }

    private static void awaitOutcome(Recording listener, Outcome outcome, long expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (listener.outcomes.getOrDefault(outcome, 0L) < expected) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(outcome + " not at " + expected + " within " + PATIENCE);
            }
            Thread.sleep(100);
        }
    }

    private static void awaitShadowCompared(Recording listener, long compared) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (listener.shadow.getOrDefault(2L, 0L) < compared) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("shadow version 2 not compared " + compared + " times within " + PATIENCE);
            }
            Thread.sleep(100);
        }
    }

    /** Reads committed training examples until {@code expected} came (0: one short poll for stragglers). */
    private static List<ConsumerRecord<String, byte[]>> awaitExamples(
            KafkaConsumer<String, byte[]> consumer, int expected) {
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        Instant deadline = Instant.now().plus(expected == 0 ? Duration.ofSeconds(1) : PATIENCE);
        while (Instant.now().isBefore(deadline) && (expected == 0 || seen.size() < expected)) {
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        for (ConsumerRecord<String, byte[]> example : seen) {
            assertThat(example.key()).isEqualTo("a");
            assertThat(new String(example.value(), StandardCharsets.UTF_8)).isEqualTo("image a");
            assertThat(new String(example.headers().lastHeader(Headers.SOURCE).value(), StandardCharsets.UTF_8))
                    .isEqualTo("review");
        }
        return seen;
    }

    private static Properties properties(String run) {
        Properties properties =
                EvaluationStreams.properties("evaluator-restart-test", kafka.bootstrapServers(), dir.resolve(run));
        properties.put("commit.interval.ms", "100");
        return properties;
    }

    private static void shadow(KafkaProducer<String, byte[]> producer, String imageId, int top, Instant at)
            throws Exception {
        String json = "{\"image_id\":\"" + imageId + "\",\"model_version\":2,\"top\":[{\"index\":" + top
                + ",\"name\":\"x\",\"probability\":0.8}],\"crops_used\":10,\"crop_disagreement\":0.1}";
        producer.send(new ProducerRecord<>(
                        Topics.PREDICTIONS_SHADOW,
                        null,
                        at.toEpochMilli(),
                        imageId,
                        json.getBytes(StandardCharsets.UTF_8)))
                .get();
    }

    private static void predict(KafkaProducer<String, byte[]> producer, String imageId, int top, Instant at)
            throws Exception {
        String json = "{\"image_id\":\"" + imageId + "\",\"model_version\":1,\"top\":[{\"index\":" + top
                + ",\"name\":\"x\",\"probability\":0.8}],\"crops_used\":10,\"crop_disagreement\":0.1}";
        producer.send(new ProducerRecord<>(
                        Topics.PREDICTIONS, null, at.toEpochMilli(), imageId, json.getBytes(StandardCharsets.UTF_8)))
                .get();
    }

    private static void label(KafkaProducer<String, byte[]> producer, String imageId, String label, Instant at)
            throws Exception {
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(Topics.LABELS, null, at.toEpochMilli(), imageId, new byte[0]);
        record.headers().add(Headers.LABEL, label.getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
    }

    private static void copy(KafkaProducer<String, byte[]> producer, String imageId, Instant at) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                Topics.REVIEW, null, at.toEpochMilli(), imageId, ("image " + imageId).getBytes(StandardCharsets.UTF_8));
        record.headers().add(Headers.IMAGE_ID, imageId.getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, String> evaluationsConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        TopicPartition partition = new TopicPartition(Topics.EVALUATIONS, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }

    private static KafkaConsumer<String, byte[]> examplesConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        TopicPartition partition = new TopicPartition(Topics.LABELED, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }

    /** What the evaluator told its listener: the latest totals. */
    private static final class Recording implements EvaluationListener {
        final Map<Long, VersionFigures> figures = new ConcurrentHashMap<>();
        final Map<Outcome, Long> outcomes = new ConcurrentHashMap<>();
        /** Shadow version to its compared answers, all tasks. */
        final Map<Long, Long> shadow = new ConcurrentHashMap<>();

        private final Map<String, Long> byTask = new ConcurrentHashMap<>();
        private final Map<String, Long> shadowByTask = new ConcurrentHashMap<>();

        @Override
        public void shadow(long version, String task, long compared, long agreed) {
            shadowByTask.merge(version + "@" + task, compared, Math::max);
            shadow.put(
                    version,
                    shadowByTask.entrySet().stream()
                            .filter(e -> e.getKey().startsWith(version + "@"))
                            .mapToLong(Map.Entry::getValue)
                            .sum());
        }

        @Override
        public void figures(VersionFigures update) {
            figures.put(update.version(), update);
        }

        @Override
        public void outcome(Outcome outcome, String task, long total) {
            byTask.merge(outcome + "@" + task, total, Math::max);
            outcomes.put(
                    outcome,
                    byTask.entrySet().stream()
                            .filter(e -> e.getKey().startsWith(outcome + "@"))
                            .mapToLong(Map.Entry::getValue)
                            .sum());
        }
    }
}

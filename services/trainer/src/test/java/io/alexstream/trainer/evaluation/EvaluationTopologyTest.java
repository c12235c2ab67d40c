package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.engine.model.Profiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation topology on Kafka's test driver: what joins, what counts, what is refused, and the figures. */
class EvaluationTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");
    private static final long REVIEW_MAX_BYTES = 1000;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> predictions;
    private TestInputTopic<String, byte[]> labels;
    private TestOutputTopic<String, String> evaluations;
    private TestInputTopic<String, byte[]> review;
    private TestOutputTopic<String, byte[]> examples;

    @BeforeEach
    void start() {
        EvaluationSettings settings = new EvaluationSettings(
                EvaluationTopics.defaults(),
                Duration.ofMinutes(10),
                Duration.ofHours(1),
                REVIEW_MAX_BYTES,
                Profiles.FASHION_MNIST_CLASSES);
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "evaluator-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(EvaluationTopology.build(settings, EvaluationListener.NONE), properties);
        predictions = driver.createInputTopic(Topics.PREDICTIONS, new StringSerializer(), new ByteArraySerializer());
        labels = driver.createInputTopic(Topics.LABELS, new StringSerializer(), new ByteArraySerializer());
        evaluations = driver.createOutputTopic(Topics.EVALUATIONS, new StringDeserializer(), new StringDeserializer());
        review = driver.createInputTopic(Topics.REVIEW, new StringSerializer(), new ByteArraySerializer());
        examples = driver.createOutputTopic(Topics.LABELED, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aLabelJoinsItsImagesPrediction() throws Exception {
        predict("a", 1, T0, 0.9, 2, 1);
        label("a", "2", T0.plusSeconds(60));

        List<TestRecord<String, String>> out = evaluations.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("1");
        JsonNode figures = JSON.readTree(out.get(0).value());
        assertThat(figures.path("model_version").asLong()).isEqualTo(1);
        assertThat(figures.path("labelled").asLong()).isEqualTo(1);
        assertThat(figures.path("top1").asDouble()).isEqualTo(1.0);
        assertThat(figures.path("window_seconds").asLong()).isEqualTo(600);
        assertThat(figures.path("updated_at").asText()).isEqualTo("2026-12-06T17:01:00Z");
        assertThat(count(Outcome.LABEL_JOINED)).isEqualTo(1);
        assertThat(count(Outcome.PREDICTION_KEPT)).isEqualTo(1);
    }

    @Test
    void aLateLabelWithinTheWindowJoins() throws Exception {
        predict("a", 1, T0, 0.9, 2);
        label("a", "3", T0.plus(Duration.ofMinutes(9)));

        JsonNode figures = lastFigures("1");
        assertThat(figures.path("labelled").asLong()).isEqualTo(1);
        assertThat(figures.path("top1").asDouble()).isZero();
        assertThat(count(Outcome.LABEL_JOINED)).isEqualTo(1);
    }

    @Test
    void aLabelPastTheWindowIsOutOfWindowAndNotCounted() {
        predict("a", 1, T0, 0.9, 2);
        label("a", "2", T0.plus(Duration.ofMinutes(11)));

        assertThat(evaluations.isEmpty()).isTrue();
        assertThat(count(Outcome.LABEL_OUT_OF_WINDOW)).isEqualTo(1);
        assertThat(count(Outcome.LABEL_JOINED)).isZero();
    }

    @Test
    void aRedeliveredPredictionAndARepeatedLabelCountOnce() throws Exception {
        predict("a", 1, T0, 0.9, 2);
        predict("a", 1, T0.plusSeconds(1), 0.8, 5); // at-least-once redelivery (even if it differs): the first stands
        label("a", "2", T0.plusSeconds(60));
        label("a", "2", T0.plusSeconds(61));

        List<TestRecord<String, String>> out = evaluations.readRecordsToList();
        assertThat(out).hasSize(1);
        JsonNode figures = JSON.readTree(out.get(0).value());
        assertThat(figures.path("labelled").asLong()).isEqualTo(1);
        assertThat(figures.path("top1").asDouble()).isEqualTo(1.0);
        assertThat(count(Outcome.PREDICTION_DUPLICATE)).isEqualTo(1);
        assertThat(count(Outcome.LABEL_DUPLICATE)).isEqualTo(1);
    }

    @Test
    void aConflictingSecondLabelIsCountedAndIgnored() throws Exception {
        predict("a", 1, T0, 0.9, 2);
        label("a", "2", T0.plusSeconds(60));
        label("a", "4", T0.plusSeconds(61));

        List<TestRecord<String, String>> out = evaluations.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(JSON.readTree(out.get(0).value()).path("top1").asDouble()).isEqualTo(1.0);
        assertThat(count(Outcome.LABEL_CONFLICTING)).isEqualTo(1);
    }

    @Test
    void aLabelForAnImageWithoutPredictionIsUnknownWhenItArrives() throws Exception {
        label("never-classified", "2", T0);
        assertThat(count(Outcome.LABEL_UNKNOWN_ID)).isEqualTo(1);
        assertThat(evaluations.isEmpty()).isTrue();

        // not remembered: sent again once the prediction is there, it counts
        predict("never-classified", 1, T0.plusSeconds(5), 0.9, 2);
        label("never-classified", "2", T0.plusSeconds(10));
        assertThat(lastFigures("1").path("labelled").asLong()).isEqualTo(1);
    }

    @Test
    void aLabelMayNameItsClass() throws Exception {
        predict("a", 1, T0, 0.7, 1, 0);
        label("a", "trouser", T0.plusSeconds(1)); // class 1 of the small profile, any case

        assertThat(lastFigures("1").path("top1").asDouble()).isEqualTo(1.0);
        assertThat(lastFigures("1").path("confusion").path(1).path(1).asLong()).isEqualTo(1);
    }

    @Test
    void twoVersionsAreCountedApart() throws Exception {
        predict("a", 1, T0, 0.9, 2);
        predict("a", 2, T0.plusSeconds(1), 0.6, 3);
        label("a", "2", T0.plusSeconds(60));

        assertThat(lastFigures("1").path("top1").asDouble()).isEqualTo(1.0);
        assertThat(lastFigures("2").path("top1").asDouble()).isZero();
        assertThat(lastFigures("2").path("labelled").asLong()).isEqualTo(1);
        assertThat(count(Outcome.LABEL_JOINED)).isEqualTo(1);
    }

    @Test
    void calibrationConfusionAndDisagreementOnAHandComputedCase() throws Exception {
        // true class, top classes, top-1 probability, crop disagreement
        predict("i1", 1, T0, 0.95, 0.0, 0); // right, bin 9
        predict("i2", 1, T0, 0.85, 0.4, 0, 1); // wrong (top-5 right), bin 8
        predict("i3", 1, T0, 0.85, 0.2, 1); // right, bin 8
        predict("i4", 1, T0, 0.35, 0.1, 2); // right, bin 3
        label("i1", "0", T0.plusSeconds(1));
        label("i2", "1", T0.plusSeconds(2));
        label("i3", "1", T0.plusSeconds(3));
        label("i4", "2", T0.plusSeconds(4));

        JsonNode figures = lastFigures("1");
        assertThat(figures.path("labelled").asLong()).isEqualTo(4);
        assertThat(figures.path("top1").asDouble()).isEqualTo(0.75);
        assertThat(figures.path("top5").asDouble()).isEqualTo(1.0);
        // bins: 9 |1 - 0.95| = 0.05; 8 |1 - 1.70| = 0.70; 3 |1 - 0.35| = 0.65; (0.05 + 0.70 + 0.65) / 4
        assertThat(figures.path("ece").asDouble()).isCloseTo(0.35, within(1e-9));
        assertThat(figures.path("crop_disagreement_right").asDouble()).isCloseTo(0.1, within(1e-9));
        assertThat(figures.path("crop_disagreement_wrong").asDouble()).isCloseTo(0.4, within(1e-9));
        JsonNode confusion = figures.path("confusion");
        assertThat(confusion.size()).isEqualTo(10);
        assertThat(confusion.path(0).size()).isEqualTo(10);
        assertThat(confusion.path(0).path(0).asLong()).isEqualTo(1);
        assertThat(confusion.path(1).path(0).asLong()).isEqualTo(1);
        assertThat(confusion.path(1).path(1).asLong()).isEqualTo(1);
        assertThat(confusion.path(2).path(2).asLong()).isEqualTo(1);
        long cells = 0;
        for (JsonNode row : confusion) {
            for (JsonNode cell : row) {
                cells += cell.asLong();
            }
        }
        assertThat(cells).isEqualTo(4);
    }

    @Test
    void malformedRecordsAreSkippedAndCountedAndTheStreamGoesOn() throws Exception {
        predictions.pipeInput(new TestRecord<>("bad", "not json".getBytes(StandardCharsets.UTF_8), T0));
        predictions.pipeInput(
                new TestRecord<>("bad2", "{\"model_version\":1,\"top\":[]}".getBytes(StandardCharsets.UTF_8), T0));
        labels.pipeInput(new TestRecord<>("a", new byte[0], new RecordHeaders(), T0)); // no label header
        label("a", "99", T0); // no class of the profile
        label("a", "no such class", T0);
        // an old worker's record without crop_disagreement
        predictions.pipeInput(new TestRecord<>(
                "a",
                ("{\"image_id\":\"a\",\"model_version\":\"1\","
                                + "\"top\":[{\"index\":2,\"name\":\"Pullover\",\"probability\":0.9}]}")
                        .getBytes(StandardCharsets.UTF_8),
                T0));
        label("a", "2", T0.plusSeconds(1));

        assertThat(count(Outcome.PREDICTION_MALFORMED)).isEqualTo(2);
        assertThat(count(Outcome.LABEL_MALFORMED)).isEqualTo(3);
        JsonNode figures = lastFigures("1");
        assertThat(figures.path("labelled").asLong()).isEqualTo(1);
        assertThat(figures.path("crop_disagreement_right").asDouble()).isZero();
    }

    // ---------------------------------------------------------------- review copies become training examples

    @Test
    void aLabelAfterItsReviewCopyMakesOneTrainingExample() {
        predict("r", 1, T0, 0.4, 2);
        copy("r", "image/png", T0);
        label("r", "Pullover", T0.plus(Duration.ofMinutes(30))); // people label late: retention, not window, bounds it

        List<TestRecord<String, byte[]>> out = examples.readRecordsToList();
        assertThat(out).hasSize(1);
        TestRecord<String, byte[]> example = out.get(0);
        assertThat(example.key()).isEqualTo("r");
        assertThat(example.value()).isEqualTo(image("r"));
        assertThat(header(example, Headers.IMAGE_ID)).isEqualTo("r");
        assertThat(header(example, Headers.LABEL)).isEqualTo("Pullover");
        assertThat(header(example, Headers.CONTENT_TYPE)).isEqualTo("image/png");
        assertThat(header(example, Headers.SOURCE)).isEqualTo("review");
        assertThat(count(Outcome.REVIEW_RELABELLED)).isEqualTo(1);
        assertThat(count(Outcome.COPY_KEPT)).isEqualTo(1);
        assertThat(reviewBytes()).as("the used copy's bytes are freed").isZero();
    }

    @Test
    void aReviewCopyAfterItsLabelMakesOneTrainingExample() {
        predict("r", 1, T0, 0.4, 2);
        label("r", "2", T0.plusSeconds(5));
        assertThat(examples.isEmpty()).isTrue();

        copy("r", null, T0.plusSeconds(6));

        List<TestRecord<String, byte[]>> out = examples.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).value()).isEqualTo(image("r"));
        assertThat(header(out.get(0), Headers.LABEL)).isEqualTo("2");
        assertThat(out.get(0).headers().lastHeader(Headers.CONTENT_TYPE)).isNull();
        assertThat(header(out.get(0), Headers.SOURCE)).isEqualTo("review");
        assertThat(count(Outcome.REVIEW_RELABELLED)).isEqualTo(1);
    }

    @Test
    void aDuplicateLabelOrCopyAndAConflictingLabelMakeNoSecondExample() {
        predict("r", 1, T0, 0.4, 2);
        copy("r", "image/png", T0);
        label("r", "2", T0.plusSeconds(1));
        label("r", "2", T0.plusSeconds(2)); // duplicate
        label("r", "7", T0.plusSeconds(3)); // conflicting
        copy("r", "image/png", T0.plusSeconds(4)); // redelivered copy

        assertThat(examples.readRecordsToList()).hasSize(1);
        assertThat(count(Outcome.REVIEW_RELABELLED)).isEqualTo(1);
        assertThat(count(Outcome.LABEL_DUPLICATE)).isEqualTo(1);
        assertThat(count(Outcome.LABEL_CONFLICTING)).isEqualTo(1);
        assertThat(count(Outcome.COPY_DUPLICATE)).isEqualTo(1);
    }

    @Test
    void aLabelWithoutReviewCopyMakesNoExample() throws Exception {
        predict("a", 1, T0, 0.9, 2);
        label("a", "2", T0.plusSeconds(1));

        assertThat(examples.isEmpty()).isTrue();
        assertThat(lastFigures("1").path("labelled").asLong()).isEqualTo(1);
        assertThat(count(Outcome.REVIEW_RELABELLED)).isZero();
    }

    @Test
    void copiesPastTheBytesBudgetAreDroppedAndOldOnesForgotten() {
        byte[] big = new byte[(int) REVIEW_MAX_BYTES - 10];
        review.pipeInput(new TestRecord<>("big", big, new RecordHeaders(), T0));
        copy("late", null, T0.plusSeconds(1)); // would pass the budget
        label("late", "2", T0.plusSeconds(2));
        assertThat(count(Outcome.COPY_DROPPED)).isEqualTo(1);
        assertThat(examples.isEmpty()).isTrue();

        // past the retention (stream time) the big copy is forgotten and its bytes freed
        predict("z", 1, T0.plus(Duration.ofHours(2)), 0.9, 2);
        copy("later", null, T0.plus(Duration.ofHours(2)));
        assertThat(count(Outcome.COPY_KEPT)).isEqualTo(2);
        assertThat(reviewBytes()).isEqualTo(image("later").length);
    }

    private void copy(String imageId, String contentType, Instant at) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.IMAGE_ID, imageId.getBytes(StandardCharsets.UTF_8));
        if (contentType != null) {
            headers.add(Headers.CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
        }
        headers.add(Headers.PREDICTION, "{}".getBytes(StandardCharsets.UTF_8));
        review.pipeInput(new TestRecord<>(imageId, image(imageId), headers, at));
    }

    private static byte[] image(String imageId) {
        return ("png bytes of " + imageId).getBytes(StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private long reviewBytes() {
        Long bytes = driver.<String, Long>getKeyValueStore(EvaluationTopology.REVIEW_BYTES_STORE)
                .get("bytes");
        return bytes == null ? 0 : bytes;
    }

    private void predict(String imageId, long version, Instant at, double probability, int... top) {
        predict(imageId, version, at, probability, 0.0, top);
    }

    private void predict(
            String imageId, long version, Instant at, double probability, double disagreement, int... top) {
        StringBuilder classes = new StringBuilder();
        for (int i = 0; i < top.length; i++) {
            double p = i == 0 ? probability : (1 - probability) / top.length;
            classes.append(i == 0 ? "" : ",")
                    .append("{\"index\":")
                    .append(top[i])
                    .append(",\"name\":\"")
                    .append(Profiles.FASHION_MNIST_CLASSES.get(top[i]))
                    .append("\",\"probability\":")
                    .append(p)
                    .append('}');
        }
        String json = "{\"image_id\":\"" + imageId + "\",\"model_version\":" + version + ",\"top\":[" + classes
                + "],\"crops_used\":10,\"crop_disagreement\":" + disagreement + "}";
        predictions.pipeInput(new TestRecord<>(imageId, json.getBytes(StandardCharsets.UTF_8), at));
    }

    private void label(String imageId, String label, Instant at) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.LABEL, label.getBytes(StandardCharsets.UTF_8));
        headers.add(Headers.IMAGE_ID, imageId.getBytes(StandardCharsets.UTF_8));
        labels.pipeInput(new TestRecord<>(imageId, new byte[0], headers, at));
    }

    private JsonNode lastFigures(String version) throws Exception {
        JsonNode last = null;
        for (TestRecord<String, String> record : evaluations.readRecordsToList()) {
            if (record.key().equals(version)) {
                last = JSON.readTree(record.value());
            }
        }
        // read again by later calls: keep what was read in the store's view instead
        if (last == null) {
            byte[] state = driver.<String, byte[]>getKeyValueStore(EvaluationTopology.FIGURES_STORE)
                    .get(version);
            assertThat(state).as("figures of version %s", version).isNotNull();
            return VersionFigures.fromState(state).toEvaluationJson(600, T0);
        }
        return last;
    }

    private long count(Outcome outcome) {
        KeyValueStore<String, Long> outcomes = driver.getKeyValueStore(EvaluationTopology.OUTCOMES_STORE);
        Long count = outcomes.get(outcome.name());
        return count == null ? 0 : count;
    }
}

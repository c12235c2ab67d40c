package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.contracts.Topics;
import io.alexstream.engine.model.Profiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: unit, the evaluation topology on Kafka's test driver. The shadow workers' answers meet the serving ones by
 * image id within the window: each shadow version counts its compared and agreeing top-1s, once per image, whichever
 * side arrives first; the figures reach {@link LiveFigures} as metrics and status.
 */
class ShadowAgreementTopologyTest {

    private static final Instant T0 = Instant.parse("2026-12-06T17:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> predictions;
    private TestInputTopic<String, byte[]> shadow;
    private SimpleMeterRegistry metrics;
    private LiveFigures live;

    @BeforeEach
    void start() {
        EvaluationSettings settings = new EvaluationSettings(
                EvaluationTopics.defaults().withShadow(Topics.PREDICTIONS_SHADOW),
                Duration.ofMinutes(10),
                Duration.ofHours(1),
                1000,
                Profiles.FASHION_MNIST_CLASSES);
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "shadow-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        metrics = new SimpleMeterRegistry();
        live = new LiveFigures(metrics, () -> 1L);
        driver = new TopologyTestDriver(EvaluationTopology.build(settings, live), properties);
        predictions = driver.createInputTopic(Topics.PREDICTIONS, new StringSerializer(), new ByteArraySerializer());
        shadow = driver.createInputTopic(Topics.PREDICTIONS_SHADOW, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shadowAnswersAreComparedWithTheServingOnesByImageId() {
        answer(predictions, "a", 1, T0, 3);
        answer(shadow, "a", 2, T0.plusSeconds(1), 3);
        answer(shadow, "b", 2, T0.plusSeconds(2), 5); // the shadow answer first
        answer(predictions, "b", 1, T0.plusSeconds(3), 7);
        answer(predictions, "c", 1, T0.plusSeconds(4), 1); // no shadow answer: nothing to compare

        ShadowAgreement agreement = live.shadow().get(2L);
        assertThat(agreement.compared()).isEqualTo(2);
        assertThat(agreement.agreed()).isEqualTo(1);
        assertThat(agreement.agreement()).isEqualTo(0.5);
        assertThat(metrics.get("alexstream.evaluation.shadow.compared")
                        .tag("version", "2")
                        .gauge()
                        .value())
                .isEqualTo(2.0);
        assertThat(metrics.get("alexstream.evaluation.shadow.agreement")
                        .tag("version", "2")
                        .gauge()
                        .value())
                .isEqualTo(0.5);
        assertThat(live.shadowStatus()).containsOnlyKeys("2");
        assertThat(live.shadowStatus().get("2")).containsEntry("compared", 2L).containsEntry("agreement", 0.5);
    }

    @Test
    void aRedeliveredAnswerCountsOnce() {
        answer(predictions, "a", 1, T0, 3);
        answer(shadow, "a", 2, T0.plusSeconds(1), 3);
        answer(shadow, "a", 2, T0.plusSeconds(2), 4);
        answer(predictions, "a", 1, T0.plusSeconds(3), 4);

        assertThat(live.shadow().get(2L).compared()).isEqualTo(1);
        assertThat(live.shadow().get(2L).agreed()).isEqualTo(1);
    }

    @Test
    void answersFurtherApartThanTheWindowAreNotCompared() {
        answer(predictions, "a", 1, T0, 3);
        answer(shadow, "a", 2, T0.plus(Duration.ofMinutes(11)), 3);

        assertThat(live.shadow()).isEmpty();
    }

    @Test
    void aServingAnswerOfTheShadowsOwnVersionIsNoComparison() {
        // a canary worker answered the image with the version the shadow runs: agreement there says nothing
        answer(predictions, "a", 2, T0, 3);
        answer(shadow, "a", 2, T0.plusSeconds(1), 3);
        assertThat(live.shadow()).isEmpty();

        answer(predictions, "a", 1, T0.plusSeconds(2), 6);
        assertThat(live.shadow().get(2L).compared()).isEqualTo(1);
        assertThat(live.shadow().get(2L).agreed()).isZero();
    }

    @Test
    void withoutAShadowTopicTheTopologyReadsNone() {
        EvaluationSettings settings = new EvaluationSettings(
                EvaluationTopics.defaults(),
                Duration.ofMinutes(10),
                Duration.ofHours(1),
                1000,
                Profiles.FASHION_MNIST_CLASSES);
        assertThat(EvaluationTopology.build(settings, EvaluationListener.NONE)
                        .describe()
                        .toString())
                .doesNotContain(Topics.PREDICTIONS_SHADOW)
                .doesNotContain(EvaluationTopology.SHADOW_PAIRS_STORE);
    }

    private static void answer(
            TestInputTopic<String, byte[]> topic, String imageId, long version, Instant at, int top1) {
        String json = "{\"image_id\":\"" + imageId + "\",\"model_version\":" + version + ",\"top\":[{\"index\":" + top1
                + ",\"name\":\"" + Profiles.FASHION_MNIST_CLASSES.get(top1) + "\",\"probability\":0.9}]}";
        topic.pipeInput(new TestRecord<>(imageId, json.getBytes(StandardCharsets.UTF_8), at));
    }
}

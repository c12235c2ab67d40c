package io.alexstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. What the bench and the demo read from the trainer's {@code /v1/status} and from a prediction
 * record.
 */
class TrainerStatusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsThePushTheServedVersionAndTheFirstRoundsFigures() throws Exception {
        TrainerStatus status = new TrainerStatus(JSON.readTree("""
                {"current_version":2,"activity":"IDLE","rollout_state":"DONE","rollout_message":"",
                 "versions":[{"version":1,"metrics":{}}],
                 "rounds":[{"round":1,"trainingSteps":8,"imagesPerSecond":3.5,"steadyImagesPerSecond":4.25}],
                 "workers":[{"id":"bench-worker","servingVersion":1,"lastPushResult":"ok","lastPushSeconds":1.75}]}
                """));
        assertThat(status.aPushSucceeded()).isTrue();
        assertThat(status.aWorkerServes(1)).isTrue();
        assertThat(status.aWorkerServes(2)).isFalse();
        assertThat(status.idleAndNotRollingOut()).isTrue();
        assertThat(status.hasRound()).isTrue();
        assertThat(status.lastPushSeconds()).isEqualTo(1.75);
        assertThat(status.roundImagesPerSecond()).isEqualTo(3.5);
        assertThat(status.steadyImagesPerSecond()).isEqualTo(4.25);
        assertThat(status.trainingSteps()).isEqualTo(8);
    }

    @Test
    void aStatusBeforeAnyRoundOrPushReadsAsNotYetAndItsFiguresAsNaN() throws Exception {
        TrainerStatus status = new TrainerStatus(JSON.readTree("""
                {"activity":"TRAINING","rollout_state":"IDLE","rounds":[],
                 "workers":[{"id":"127.0.0.1:9081","servingVersion":-1,"lastPushResult":"","lastPushSeconds":0}]}
                """));
        assertThat(status.aPushSucceeded()).isFalse();
        assertThat(status.hasRound()).isFalse();
        assertThat(status.idleAndNotRollingOut()).isFalse();
        assertThat(status.roundImagesPerSecond()).isNaN();
    }

    @Test
    void readsWhatTheDemoWaitsFor() throws Exception {
        TrainerStatus status = new TrainerStatus(JSON.readTree("""
                {"current_version":3,"activity":"IDLE","rollout_state":"DONE","rollout_message":"2 of 2",
                 "examples":{"stored":120},
                 "rounds":[{"round":1,"version":2},{"round":2,"version":3}],
                 "workers":[{"id":"worker-1","servingVersion":3},{"id":"worker-2","servingVersion":3}]}
                """));
        assertThat(status.storedExamples()).isEqualTo(120);
        assertThat(status.currentVersion()).isEqualTo(3);
        assertThat(status.roundCount()).isEqualTo(2);
        assertThat(status.lastRound().path("version").asLong()).isEqualTo(3);
        assertThat(status.idle()).isTrue();
        assertThat(status.rolledOut(3, 2)).isTrue();
        assertThat(status.rolledOut(3, 3))
                .as("a third worker does not serve it")
                .isFalse();
        assertThat(status.rolloutFailed()).isFalse();
        assertThat(status.rolloutMessage()).isEqualTo("2 of 2");
    }

    @Test
    void aPredictionsTimingsAreReadFromItsTimingsObject() {
        PredictionTimings timings = PredictionTimings.of("{\"image_id\":\"a\",\"model_version\":1,\"top\":[],"
                + "\"timings\":{\"queue_seconds\":0.1,\"preprocess_seconds\":0.2,\"inference_seconds\":1.5,"
                + "\"batch_size\":16}}");
        assertThat(timings.batchSize()).isEqualTo(16);
        assertThat(timings.inferenceSeconds()).isEqualTo(1.5);
    }
}

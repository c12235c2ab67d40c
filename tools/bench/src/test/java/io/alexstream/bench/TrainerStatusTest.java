package io.alexstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. What the bench reads from the trainer's {@code /v1/status} and from a prediction record. */
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
    void aPredictionsTimingsAreReadFromItsTimingsObject() {
        PredictionTimings timings = PredictionTimings.of("{\"image_id\":\"a\",\"model_version\":1,\"top\":[],"
                + "\"timings\":{\"queue_seconds\":0.1,\"preprocess_seconds\":0.2,\"inference_seconds\":1.5,"
                + "\"batch_size\":16}}");
        assertThat(timings.batchSize()).isEqualTo(16);
        assertThat(timings.inferenceSeconds()).isEqualTo(1.5);
    }
}

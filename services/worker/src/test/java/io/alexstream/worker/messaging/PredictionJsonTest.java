package io.alexstream.worker.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.proto.v1.Timings;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The predictions topic's JSON, written from the proto message, keeps the shape
 * its readers parse: proto field names, int64 as a number, floats as Java prints them, the crop
 * disagreement right after the crops used, and no correlation id when the image had none.
 */
class PredictionJsonTest {

    private final PredictionJson json = new PredictionJson(new ObjectMapper());

    @Test
    void theJsonHasTheProtoFieldNamesAndNumbersAsNumbers() {
        Prediction prediction = prediction().setCorrelationId("corr-1").build();
        assertThat(json.write(prediction))
                .isEqualTo("{\"image_id\":\"img-1\",\"model_version\":3,"
                        + "\"top\":[{\"index\":7,\"name\":\"cat\",\"probability\":0.625},"
                        + "{\"index\":2,\"name\":\"dog\",\"probability\":0.1}],"
                        + "\"crops_used\":10,\"crop_disagreement\":0.3,\"worker_id\":\"worker-1\","
                        + "\"timings\":{\"queue_seconds\":0.5,\"preprocess_seconds\":0.25,"
                        + "\"inference_seconds\":1.5,\"batch_size\":4},\"correlation_id\":\"corr-1\"}");
    }

    @Test
    void anImageWithoutACorrelationIdHasNoSuchField() throws Exception {
        String written = json.write(prediction().build());
        assertThat(new ObjectMapper().readTree(written).has("correlation_id")).isFalse();
        assertThat(new ObjectMapper().readTree(written).get("model_version").isIntegralNumber())
                .isTrue();
    }

    private static Prediction.Builder prediction() {
        return Prediction.newBuilder()
                .setImageId("img-1")
                .setModelVersion(3)
                .addTop(ClassScore.newBuilder().setIndex(7).setName("cat").setProbability(0.625f))
                .addTop(ClassScore.newBuilder().setIndex(2).setName("dog").setProbability(0.1f))
                .setCropsUsed(10)
                .setCropDisagreement(0.3f)
                .setWorkerId("worker-1")
                .setTimings(Timings.newBuilder()
                        .setQueueSeconds(0.5)
                        .setPreprocessSeconds(0.25)
                        .setInferenceSeconds(1.5)
                        .setBatchSize(4));
    }
}

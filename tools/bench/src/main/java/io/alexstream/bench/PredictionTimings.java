package io.alexstream.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The worker's timings in a predictions-topic record ({@code timings.batch_size}, {@code timings.inference_seconds}):
 * how many images shared the session run that answered it, and how long that run took.
 */
record PredictionTimings(int batchSize, double inferenceSeconds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static PredictionTimings of(String predictionJson) {
        try {
            JsonNode timings = JSON.readTree(predictionJson).path("timings");
            return new PredictionTimings(
                    timings.path("batch_size").asInt(),
                    timings.path("inference_seconds").asDouble());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a prediction that is not JSON: " + predictionJson, e);
        }
    }
}

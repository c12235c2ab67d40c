package io.alexstream.worker.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The JSON value of a predictions-topic record (field names as in proto/ alexstream.v1.Prediction). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictionRecord(
        @JsonProperty("image_id") String imageId,
        @JsonProperty("model_version") long modelVersion,
        @JsonProperty("top") List<Score> top,
        @JsonProperty("crops_used") int cropsUsed,
        @JsonProperty("worker_id") String workerId,
        @JsonProperty("timings") Timings timings,
        @JsonProperty("correlation_id") String correlationId) {

    public record Score(@JsonProperty("index") int index, @JsonProperty("name") String name,
                        @JsonProperty("probability") float probability) {
    }

    public record Timings(@JsonProperty("queue_seconds") double queueSeconds,
                          @JsonProperty("preprocess_seconds") double preprocessSeconds,
                          @JsonProperty("inference_seconds") double inferenceSeconds,
                          @JsonProperty("batch_size") int batchSize) {
    }
}

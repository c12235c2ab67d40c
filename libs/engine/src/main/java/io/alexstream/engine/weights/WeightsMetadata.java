package io.alexstream.engine.weights;

import java.util.List;
import java.util.Map;

/**
 * What a weights artifact says about itself besides the numbers.
 *
 * @param version         model version (1, 2, ...; 0 for an untrained initialisation)
 * @param parentVersion   the version this one was trained from, or null
 * @param createdAt       ISO-8601 instant
 * @param metrics         e.g. holdout top1, top5, top1_center, loss
 * @param hyperparameters e.g. learning rate, batch size, epochs
 * @param lineage         the labeled-topic ranges the training saw
 */
public record WeightsMetadata(
        long version,
        Long parentVersion,
        String createdAt,
        Map<String, Double> metrics,
        Map<String, String> hyperparameters,
        List<OffsetRange> lineage) {

    public WeightsMetadata {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        hyperparameters = hyperparameters == null ? Map.of() : Map.copyOf(hyperparameters);
        lineage = lineage == null ? List.of() : List.copyOf(lineage);
    }

    /** Records [fromOffset, untilOffset) of one partition of a topic. */
    public record OffsetRange(String topic, int partition, long fromOffset, long untilOffset) {}

    public static WeightsMetadata initial(String createdAt) {
        return new WeightsMetadata(0, null, createdAt, Map.of(), Map.of(), List.of());
    }
}

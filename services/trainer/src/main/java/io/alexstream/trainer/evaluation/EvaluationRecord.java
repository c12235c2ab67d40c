package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * One version's live figures as the latest record of topic {@code evaluations} gives them: how many of its answers
 * were labelled later and the share of those it got right (top-1). {@link #parse} accepts only a record that says
 * this much consistently and refuses anything else with the reason.
 *
 * @param version   model version
 * @param labelled  labels joined to this version's predictions
 * @param top1      share of those answered right, in [0, 1]
 * @param updatedAt when the evaluator computed them (ISO-8601, as sent; empty when absent)
 */
public record EvaluationRecord(long version, long labelled, double top1, String updatedAt) {

    /** The fields of an {@code evaluations} value this record reads; {@link VersionFigures} writes them. */
    public static final String MODEL_VERSION = "model_version";

    public static final String LABELLED = "labelled";
    public static final String TOP1 = "top1";
    public static final String UPDATED_AT = "updated_at";

    /**
     * Reads one {@code evaluations} record: key = the version as a decimal string (may be absent), value = JSON with
     * at least {@code model_version}, {@code labelled} and {@code top1}.
     *
     * @throws IllegalArgumentException with why, for anything that is not such a record
     */
    public static EvaluationRecord parse(ObjectMapper json, String key, byte[] value) {
        if (value == null || value.length == 0) {
            throw new IllegalArgumentException("empty value");
        }
        JsonNode node;
        try {
            node = json.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + cut(String.valueOf(e.getOriginalMessage())));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + cut(String.valueOf(e.getMessage())));
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        long version = whole(node, MODEL_VERSION);
        if (version < 1) {
            throw new IllegalArgumentException("model_version " + version + " is not a version");
        }
        if (key != null && !key.equals(Long.toString(version))) {
            throw new IllegalArgumentException("key " + cut(key) + " is not model_version " + version);
        }
        long labelled = whole(node, LABELLED);
        if (labelled < 0) {
            throw new IllegalArgumentException("labelled " + labelled + " is negative");
        }
        JsonNode top1 = node.get(TOP1);
        if (top1 == null || !top1.isNumber() || !(top1.asDouble() >= 0 && top1.asDouble() <= 1)) {
            throw new IllegalArgumentException("top1 is not a share in [0, 1]: " + cut(String.valueOf(top1)));
        }
        JsonNode updatedAt = node.get(UPDATED_AT);
        return new EvaluationRecord(
                version,
                labelled,
                top1.asDouble(),
                updatedAt != null && updatedAt.isTextual() ? updatedAt.asText() : "");
    }

    private static long whole(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(field + " is not a whole number: " + cut(String.valueOf(value)));
        }
        return value.asLong();
    }

    /** A hostile record may hold anything: a log line quotes at most 80 characters of it. */
    public static String cut(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}

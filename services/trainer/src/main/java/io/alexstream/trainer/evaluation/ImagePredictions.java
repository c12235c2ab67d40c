package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The predictions kept for one image: the first one per model version, with what the join needs (its record time,
 * its top classes, the top-1 probability and the crops' disagreement). The predictions store's value.
 */
public final class ImagePredictions {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One version's answer for the image. */
    public record Answer(long version, long timestamp, int[] top, double top1Probability, double cropDisagreement) {}

    private final Map<Long, Answer> byVersion = new TreeMap<>();

    public Map<Long, Answer> byVersion() {
        return byVersion;
    }

    /** Keeps the answer unless its version already answered; true when kept. */
    public boolean keepFirst(Answer answer) {
        return byVersion.putIfAbsent(answer.version(), answer) == null;
    }

    /** The newest record time of the kept answers (what retention compares). */
    public long newestTimestamp() {
        return byVersion.values().stream().mapToLong(Answer::timestamp).max().orElse(Long.MIN_VALUE);
    }

    /**
     * The worker's prediction JSON ({@code image_id}, {@code model_version}, {@code top} [{index, name, probability}],
     * {@code crop_disagreement}, absent in older records: 0) as an answer, or empty when it is not one.
     */
    public static Optional<Answer> parse(byte[] value, long timestamp) {
        if (value == null || value.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode json = JSON.readTree(value);
            JsonNode version = json.path("model_version");
            JsonNode top = json.path("top");
            if (!json.isObject() || !(version.isNumber() || version.isTextual()) || !top.isArray() || top.isEmpty()) {
                return Optional.empty();
            }
            int[] classes = new int[top.size()];
            for (int i = 0; i < classes.length; i++) {
                JsonNode index = top.get(i).path("index");
                if (!index.canConvertToInt()) {
                    return Optional.empty();
                }
                classes[i] = index.asInt();
            }
            long modelVersion = Long.parseLong(version.asText().trim());
            double probability = top.get(0).path("probability").asDouble(Double.NaN);
            if (modelVersion < 0 || !(probability >= 0 && probability <= 1)) {
                return Optional.empty();
            }
            double disagreement = json.path("crop_disagreement").asDouble(0);
            return Optional.of(new Answer(modelVersion, timestamp, classes, probability, disagreement));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public byte[] toState() {
        ObjectNode state = JSON.createObjectNode();
        byVersion.forEach((version, answer) -> {
            ObjectNode node = state.putObject(Long.toString(version));
            node.put("ts", answer.timestamp());
            ArrayNode top = node.putArray("top");
            for (int index : answer.top()) {
                top.add(index);
            }
            node.put("p", answer.top1Probability());
            node.put("d", answer.cropDisagreement());
        });
        try {
            return JSON.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ImagePredictions fromState(byte[] bytes) {
        ImagePredictions predictions = new ImagePredictions();
        if (bytes == null) {
            return predictions;
        }
        try {
            JSON.readTree(bytes).fields().forEachRemaining(entry -> {
                JsonNode node = entry.getValue();
                int[] top = new int[node.path("top").size()];
                for (int i = 0; i < top.length; i++) {
                    top[i] = node.path("top").get(i).asInt();
                }
                long version = Long.parseLong(entry.getKey());
                predictions.byVersion.put(
                        version,
                        new Answer(
                                version,
                                node.path("ts").asLong(),
                                top,
                                node.path("p").asDouble(),
                                node.path("d").asDouble()));
            });
            return predictions;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable evaluator state", e);
        }
    }
}

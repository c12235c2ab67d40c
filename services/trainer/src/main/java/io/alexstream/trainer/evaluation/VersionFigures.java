package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One model version's live figures: the running sums behind top-1, top-5, the confusion matrix, the expected
 * calibration error and the crop disagreement of right and wrong answers. Kept as sums (not rates) so adding a label
 * is exact and the state store's value is the whole truth; the {@code evaluations} JSON is derived from it.
 */
public final class VersionFigures {

    /** Equal-width bins of the top-1 probability for the ECE. */
    public static final int BINS = 10;
    /** Past this many classes the confusion matrix is written as {@code null}: 1000² cells is too big a record. */
    public static final int DENSE_CONFUSION_MAX_CLASSES = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long version;
    private final int classes;
    private long labelled;
    private long top1Hits;
    private long top5Hits;
    private final long[] binCount = new long[BINS];
    private final long[] binHits = new long[BINS];
    private final double[] binConfidence = new double[BINS];
    private double disagreementRight;
    private double disagreementWrong;
    /** "true,predicted" to count, only the non-zero cells. */
    private final Map<String, Long> confusion = new TreeMap<>();

    public VersionFigures(long version, int classes) {
        this.version = version;
        this.classes = classes;
    }

    /** Counts one labelled answer: its true class, its top classes (best first) and its crops' disagreement. */
    public void add(int trueClass, int[] top, double top1Probability, double cropDisagreement) {
        labelled++;
        boolean right = top.length > 0 && top[0] == trueClass;
        if (right) {
            top1Hits++;
            disagreementRight += cropDisagreement;
        } else {
            disagreementWrong += cropDisagreement;
        }
        for (int i = 0; i < Math.min(5, top.length); i++) {
            if (top[i] == trueClass) {
                top5Hits++;
                break;
            }
        }
        int bin = Math.min(BINS - 1, Math.max(0, (int) Math.floor(top1Probability * BINS)));
        binCount[bin]++;
        binConfidence[bin] += top1Probability;
        binHits[bin] += right ? 1 : 0;
        if (top.length > 0) {
            confusion.merge(trueClass + "," + top[0], 1L, Long::sum);
        }
    }

    public long version() {
        return version;
    }

    public long labelled() {
        return labelled;
    }

    public double top1() {
        return labelled == 0 ? 0 : (double) top1Hits / labelled;
    }

    public double top5() {
        return labelled == 0 ? 0 : (double) top5Hits / labelled;
    }

    /** Sum over bins of (bin share) x |bin accuracy - bin mean confidence| = sum |hits - confidence| / labelled. */
    public double ece() {
        if (labelled == 0) {
            return 0;
        }
        double sum = 0;
        for (int b = 0; b < BINS; b++) {
            sum += Math.abs(binHits[b] - binConfidence[b]);
        }
        return sum / labelled;
    }

    public double cropDisagreementRight() {
        return top1Hits == 0 ? 0 : disagreementRight / top1Hits;
    }

    public double cropDisagreementWrong() {
        long wrong = labelled - top1Hits;
        return wrong == 0 ? 0 : disagreementWrong / wrong;
    }

    /** The count of answers of true class {@code actual} whose top-1 was {@code predicted}. */
    public long confusion(int actual, int predicted) {
        return confusion.getOrDefault(actual + "," + predicted, 0L);
    }

    /** The {@code evaluations} topic's record (the contract in docs/architecture.md). */
    public ObjectNode toEvaluationJson(long windowSeconds, Instant updatedAt) {
        ObjectNode json = JSON.createObjectNode();
        json.put(EvaluationRecord.MODEL_VERSION, version);
        json.put(EvaluationRecord.LABELLED, labelled);
        json.put(EvaluationRecord.TOP1, top1());
        json.put("top5", top5());
        json.put("ece", ece());
        if (classes <= DENSE_CONFUSION_MAX_CLASSES) {
            ArrayNode rows = json.putArray("confusion");
            for (int actual = 0; actual < classes; actual++) {
                ArrayNode row = rows.addArray();
                for (int predicted = 0; predicted < classes; predicted++) {
                    row.add(confusion(actual, predicted));
                }
            }
        } else {
            json.putNull("confusion");
        }
        json.put("crop_disagreement_right", cropDisagreementRight());
        json.put("crop_disagreement_wrong", cropDisagreementWrong());
        json.put("window_seconds", windowSeconds);
        json.put(EvaluationRecord.UPDATED_AT, updatedAt.toString());
        return json;
    }

    /** The state store's value. */
    public byte[] toState() {
        ObjectNode state = JSON.createObjectNode();
        state.put("version", version);
        state.put("classes", classes);
        state.put("labelled", labelled);
        state.put("top1", top1Hits);
        state.put("top5", top5Hits);
        ArrayNode bins = state.putArray("bins");
        for (int b = 0; b < BINS; b++) {
            bins.addArray().add(binCount[b]).add(binHits[b]).add(binConfidence[b]);
        }
        state.put("dr", disagreementRight);
        state.put("dw", disagreementWrong);
        ObjectNode cells = state.putObject("confusion");
        confusion.forEach(cells::put);
        try {
            return JSON.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #toState()} back. */
    public static VersionFigures fromState(byte[] bytes) {
        try {
            JsonNode state = JSON.readTree(bytes);
            VersionFigures figures = new VersionFigures(
                    state.path("version").asLong(), state.path("classes").asInt());
            figures.labelled = state.path("labelled").asLong();
            figures.top1Hits = state.path("top1").asLong();
            figures.top5Hits = state.path("top5").asLong();
            for (int b = 0; b < BINS; b++) {
                JsonNode bin = state.path("bins").path(b);
                figures.binCount[b] = bin.path(0).asLong();
                figures.binHits[b] = bin.path(1).asLong();
                figures.binConfidence[b] = bin.path(2).asDouble();
            }
            figures.disagreementRight = state.path("dr").asDouble();
            figures.disagreementWrong = state.path("dw").asDouble();
            state.path("confusion")
                    .fields()
                    .forEachRemaining(cell ->
                            figures.confusion.put(cell.getKey(), cell.getValue().asLong()));
            return figures;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable evaluator state", e);
        }
    }
}

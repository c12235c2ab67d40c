package io.alexstream.trainer.evaluation;

import io.alexstream.contracts.Topics;
import java.util.List;

/**
 * The topics the evaluator reads and writes: the trainer's {@code alexstream.topics.*} keys, one per topic.
 *
 * @param predictions the workers' answers (JSON, key = image id), read
 * @param labels late labels (key = image id, header {@code label}), read
 * @param evaluations live figures per model version (JSON, key = version), written
 * @param review the workers' copies of images they were unsure of (key = image id), read
 * @param labeled the trainer's training examples: a review copy with its label goes there, written
 * @param shadowPredictions the shadow workers' answers (JSON, key = image id), read and compared with the
 *     predictions; empty: no shadow comparison
 */
public record EvaluationTopics(
        String predictions,
        String labels,
        String evaluations,
        String review,
        String labeled,
        String shadowPredictions) {

    /** Every topic the evaluator reads and writes, the shadow answers' when compared: it cannot work without one. */
    public List<String> all() {
        return comparesShadow()
                ? List.of(predictions, labels, evaluations, review, labeled, shadowPredictions)
                : List.of(predictions, labels, evaluations, review, labeled);
    }

    /** The contracts' default names, without the shadow comparison (its topic need not exist). */
    public static EvaluationTopics defaults() {
        return new EvaluationTopics(
                Topics.PREDICTIONS, Topics.LABELS, Topics.EVALUATIONS, Topics.REVIEW, Topics.LABELED, "");
    }

    /** These topics, the shadow workers' answers in {@code topic} compared with the predictions. */
    public EvaluationTopics withShadow(String topic) {
        return new EvaluationTopics(predictions, labels, evaluations, review, labeled, topic);
    }

    /** Whether shadow answers are compared with the serving ones. */
    public boolean comparesShadow() {
        return !shadowPredictions.isBlank();
    }
}

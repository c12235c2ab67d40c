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
 */
public record EvaluationTopics(String predictions, String labels, String evaluations, String review, String labeled) {

    /** All five, read and written: the evaluator cannot work without any of them. */
    public List<String> all() {
        return List.of(predictions, labels, evaluations, review, labeled);
    }

    /** The contracts' default names. */
    public static EvaluationTopics defaults() {
        return new EvaluationTopics(
                Topics.PREDICTIONS, Topics.LABELS, Topics.EVALUATIONS, Topics.REVIEW, Topics.LABELED);
    }
}

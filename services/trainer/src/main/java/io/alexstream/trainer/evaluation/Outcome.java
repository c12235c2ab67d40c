package io.alexstream.trainer.evaluation;

import java.util.Locale;

/**
 * What became of one record the evaluator read: the {@code outcome} tag of {@code alexstream_evaluation_labels_total},
 * {@code alexstream_evaluation_predictions_total} and {@code alexstream_evaluation_review_copies_total}; and
 * {@code alexstream_evaluation_review_examples_total{outcome="relabelled"}}, the training examples it wrote (one label
 * has one labels outcome, and may in addition make one example). Counted in the evaluator's state so restarts count
 * nothing twice.
 */
public enum Outcome {
    /** A label joined to at least one prediction of its image within the window. */
    LABEL_JOINED(Stream.LABELS),
    /** A label for an image without a kept prediction when the label arrived (none yet, or forgotten). */
    LABEL_UNKNOWN_ID(Stream.LABELS),
    /** A label whose image's predictions are all more than the window older than it. */
    LABEL_OUT_OF_WINDOW(Stream.LABELS),
    /** The same label again for an image: not counted again. */
    LABEL_DUPLICATE(Stream.LABELS),
    /** Another label for an already labelled image: the first one stands, this one is ignored. */
    LABEL_CONFLICTING(Stream.LABELS),
    /** No image id, no label header, or a label that is no class of the trainer's profile. */
    LABEL_MALFORMED(Stream.LABELS),
    /** The first prediction of an image by a model version: kept for the join. */
    PREDICTION_KEPT(Stream.PREDICTIONS),
    /** Another prediction of the same image by the same version (an at-least-once redelivery): ignored. */
    PREDICTION_DUPLICATE(Stream.PREDICTIONS),
    /** Not the workers' prediction JSON: skipped. */
    PREDICTION_MALFORMED(Stream.PREDICTIONS),
    /** The first review copy of an image: kept for its label (or made a training example at once after it). */
    COPY_KEPT(Stream.COPIES),
    /** Another copy of an image already kept (a redelivery): ignored. */
    COPY_DUPLICATE(Stream.COPIES),
    /** A copy without an image id or without bytes: skipped. */
    COPY_MALFORMED(Stream.COPIES),
    /** A copy that would have passed alexstream.evaluation.review-max-bytes: not kept, its label trains nothing. */
    COPY_DROPPED(Stream.COPIES),
    /** A review copy and its first label written to the labelled-images topic as one training example. */
    REVIEW_RELABELLED(Stream.EXAMPLES);

    /** Which input an outcome belongs to: the meter it is counted in. */
    public enum Stream {
        LABELS("alexstream.evaluation.labels"),
        PREDICTIONS("alexstream.evaluation.predictions"),
        COPIES("alexstream.evaluation.review.copies"),
        EXAMPLES("alexstream.evaluation.review.examples");

        private final String meter;

        Stream(String meter) {
            this.meter = meter;
        }

        public String meter() {
            return meter;
        }
    }

    private final Stream stream;

    Outcome(Stream stream) {
        this.stream = stream;
    }

    public Stream stream() {
        return stream;
    }

    /** The tag value: {@code joined}, {@code unknown_id}, ... */
    public String tag() {
        return name().substring(name().indexOf('_') + 1).toLowerCase(Locale.ROOT);
    }
}

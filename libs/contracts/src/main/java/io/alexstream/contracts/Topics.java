package io.alexstream.contracts;

/** The Kafka topics between the roles; services may rename them in configuration, these are the defaults. */
public final class Topics {

    /** Images to classify: value = encoded image bytes, key = image id. */
    public static final String IMAGES = "images";
    /** Labelled images for the trainer: value = encoded image bytes, header {@link Headers#LABEL}. */
    public static final String LABELED = "images.labeled";
    /** The workers' answers: value = prediction JSON, key = image id. */
    public static final String PREDICTIONS = "predictions";
    /**
     * Shadow workers' answers to the same images, never returned to callers: value = prediction JSON, key = image id.
     * As many partitions as {@link #PREDICTIONS}, so the trainer can join the two by image id.
     */
    public static final String PREDICTIONS_SHADOW = "predictions.shadow";
    /** Images the workers could not answer, with the reason in the dead-letter headers. */
    public static final String DEAD_LETTERS = "images.dead-letter";
    /** Labelled records the trainer refused, with the reason in the dead-letter headers. */
    public static final String LABELED_DEAD_LETTERS = "images.labeled.dead-letter";

    /** Late labels for images already classified: key = image id, header {@link Headers#LABEL}, empty value. */
    public static final String LABELS = "labels";
    /** Live accuracy per model version, joined from predictions and late labels: value = JSON, key = version. */
    public static final String EVALUATIONS = "evaluations";
    /**
     * Images the model was unsure of, for a person to label: value = the image bytes, key = image id, the prediction
     * JSON in header {@link Headers#PREDICTION}.
     */
    public static final String REVIEW = "images.review";

    private Topics() {}
}

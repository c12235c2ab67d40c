package io.alexstream.contracts;

import java.util.List;

/** The Kafka topics between the roles; services may rename them in configuration, these are the defaults. */
public final class Topics {

    /** Images to classify: value = encoded image bytes, key = image id. */
    public static final String IMAGES = "images";
    /** Labelled images for the trainer: value = encoded image bytes, header {@link Headers#LABEL}. */
    public static final String LABELED = "images.labeled";
    /** The workers' answers: value = prediction JSON, key = image id. */
    public static final String PREDICTIONS = "predictions";
    /** Images the workers could not answer, with the reason in the dead-letter headers. */
    public static final String DEAD_LETTERS = "images.dead-letter";
    /** Labelled records the trainer refused, with the reason in the dead-letter headers. */
    public static final String LABELED_DEAD_LETTERS = "images.labeled.dead-letter";

    /** Every topic the system reads or writes. */
    public static final List<String> ALL = List.of(IMAGES, LABELED, PREDICTIONS, DEAD_LETTERS, LABELED_DEAD_LETTERS);

    private Topics() {}
}

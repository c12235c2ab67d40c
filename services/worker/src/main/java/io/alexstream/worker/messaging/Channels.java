package io.alexstream.worker.messaging;

/** Channel names shared by the consumer, the configuration and the tests. */
public final class Channels {

    /** Incoming: the images topic, in batches. */
    public static final String IMAGES_IN = "images-in";
    /** Outgoing: the predictions topic (JSON, keyed by image id). */
    public static final String PREDICTIONS_OUT = "predictions-out";
    /** Outgoing: the dead-letter topic (the original record plus the reason). */
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";
    /** Outgoing: the review topic (the original image, the prediction in a header), for a person to label. */
    public static final String REVIEW_OUT = "review-out";

    private Channels() {}
}

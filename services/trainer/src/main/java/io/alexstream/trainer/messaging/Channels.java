package io.alexstream.trainer.messaging;

/** Channel and header names shared by the consumer, the configuration and the tests. */
public final class Channels {

    /** Incoming: the labeled images topic, in batches. */
    public static final String LABELED_IN = "labeled-in";

    public static final String HEADER_IMAGE_ID = "image-id";
    /** A class index (0-based) or a class name of the model's profile. */
    public static final String HEADER_LABEL = "label";

    private Channels() {
    }
}

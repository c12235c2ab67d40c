package io.alexstream.ingest.messaging;

/** Channel names shared by the publisher, the configuration and the tests. */
public final class Channels {

    /** Outgoing channel to the images topic (configured as {@code images}). */
    public static final String IMAGES_CHANNEL = "images-out";
    /** Outgoing channel to the labeled images topic (configured as {@code images.labeled}). */
    public static final String LABELED_CHANNEL = "labeled-images-out";
    /** Outgoing channel to the late labels topic (configured as {@code labels}). */
    public static final String LABELS_CHANNEL = "labels-out";

    private Channels() {}
}

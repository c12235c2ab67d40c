package io.alexstream.ingest.messaging;

/** Channel and header names shared by the publisher, the configuration and the tests. */
public final class Topics {

    /** Outgoing channel to the images topic (configured as {@code images}). */
    public static final String IMAGES_CHANNEL = "images-out";
    /** Outgoing channel to the labeled images topic (configured as {@code images.labeled}). */
    public static final String LABELED_CHANNEL = "labeled-images-out";

    public static final String HEADER_CONTENT_TYPE = "content-type";
    public static final String HEADER_IMAGE_ID = "image-id";
    public static final String HEADER_SOURCE = "source";
    public static final String HEADER_CORRELATION_ID = "correlation-id";
    public static final String HEADER_LABEL = "label";

    private Topics() {
    }
}

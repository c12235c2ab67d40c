package io.alexstream.ingest.messaging;

import io.alexstream.contracts.Headers;

/** Channel and header names shared by the publisher, the configuration and the tests. */
public final class Channels {

    /** Outgoing channel to the images topic (configured as {@code images}). */
    public static final String IMAGES_CHANNEL = "images-out";
    /** Outgoing channel to the labeled images topic (configured as {@code images.labeled}). */
    public static final String LABELED_CHANNEL = "labeled-images-out";
    /** Outgoing channel to the late labels topic (configured as {@code labels}). */
    public static final String LABELS_CHANNEL = "labels-out";

    public static final String HEADER_CONTENT_TYPE = Headers.CONTENT_TYPE;
    public static final String HEADER_IMAGE_ID = Headers.IMAGE_ID;
    public static final String HEADER_SOURCE = Headers.SOURCE;
    public static final String HEADER_CORRELATION_ID = Headers.CORRELATION_ID;
    public static final String HEADER_LABEL = Headers.LABEL;

    private Channels() {}
}

package io.alexstream.worker.messaging;

/** Channel and header names shared by the consumer, the configuration and the tests. */
public final class Channels {

    /** Incoming: the images topic, in batches. */
    public static final String IMAGES_IN = "images-in";
    /** Outgoing: the predictions topic (JSON, keyed by image id). */
    public static final String PREDICTIONS_OUT = "predictions-out";
    /** Outgoing: the dead-letter topic (the original record plus the reason). */
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";

    public static final String HEADER_IMAGE_ID = "image-id";
    public static final String HEADER_CORRELATION_ID = "correlation-id";
    public static final String HEADER_REASON = "dead-letter-reason";
    public static final String HEADER_MESSAGE = "dead-letter-message";
    public static final String HEADER_SOURCE_TOPIC = "dead-letter-topic";
    public static final String HEADER_SOURCE_PARTITION = "dead-letter-partition";
    public static final String HEADER_SOURCE_OFFSET = "dead-letter-offset";
    /** "true" when the dead letter carries only the first bytes of the original value. */
    public static final String HEADER_TRUNCATED = "dead-letter-truncated";
    public static final String HEADER_ORIGINAL_BYTES = "dead-letter-original-bytes";
    public static final String HEADER_ORIGINAL_SHA256 = "dead-letter-original-sha256";
    /** "true" when the original record's headers were too large to copy. */
    public static final String HEADER_HEADERS_DROPPED = "dead-letter-headers-dropped";

    private Channels() {
    }
}

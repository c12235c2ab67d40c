package io.alexstream.trainer.messaging;

/** Channel and header names shared by the consumer, the configuration and the tests. */
public final class Channels {

    /** Incoming: the labeled images topic, in batches. */
    public static final String LABELED_IN = "labeled-in";
    /** Outgoing: the labeled dead-letter topic (the refused record, bounded, plus why). */
    public static final String LABELED_DEAD_LETTERS_OUT = "labeled-dead-letters-out";

    public static final String HEADER_IMAGE_ID = "image-id";
    /** A class index (0-based) or a class name of the model's profile. */
    public static final String HEADER_LABEL = "label";

    // the worker's dead-letter header names, so one tool reads both dead-letter topics
    public static final String HEADER_REASON = "dead-letter-reason";
    public static final String HEADER_MESSAGE = "dead-letter-message";
    public static final String HEADER_SOURCE_TOPIC = "dead-letter-topic";
    public static final String HEADER_SOURCE_PARTITION = "dead-letter-partition";
    public static final String HEADER_SOURCE_OFFSET = "dead-letter-offset";
    /** Present only when the value was cut: "true". */
    public static final String HEADER_TRUNCATED = "dead-letter-truncated";
    /** With a cut value: the original value's length in bytes. */
    public static final String HEADER_ORIGINAL_BYTES = "dead-letter-original-bytes";
    /** With a cut value: the original value's SHA-256, in hex. */
    public static final String HEADER_ORIGINAL_SHA256 = "dead-letter-original-sha256";
    /** Present only when some of the record's own headers were left out: how many. */
    public static final String HEADER_HEADERS_DROPPED = "dead-letter-headers-dropped";

    private Channels() {
    }
}

package io.alexstream.contracts;

/** Kafka record header names: what producers may set and what the dead-letter topics carry. */
public final class Headers {

    public static final String IMAGE_ID = "image-id";
    public static final String CORRELATION_ID = "correlation-id";
    public static final String CONTENT_TYPE = "content-type";
    /** Where an image came from (http, kafka, ...), set by ingest. */
    public static final String SOURCE = "source";
    /** A class index (0-based) or a class name of the model's profile. */
    public static final String LABEL = "label";
    /** On a review copy: the prediction JSON the worker was unsure of. */
    public static final String PREDICTION = "prediction";

    /** Why the record was dead-lettered: a reason code. */
    public static final String DEAD_LETTER_REASON = "dead-letter-reason";
    /** The reason in words. */
    public static final String DEAD_LETTER_MESSAGE = "dead-letter-message";

    public static final String DEAD_LETTER_TOPIC = "dead-letter-topic";
    public static final String DEAD_LETTER_PARTITION = "dead-letter-partition";
    public static final String DEAD_LETTER_OFFSET = "dead-letter-offset";
    /** "true" when the dead letter carries only the first bytes of the original value. */
    public static final String DEAD_LETTER_TRUNCATED = "dead-letter-truncated";
    /** With a cut value: the original value's length in bytes. */
    public static final String DEAD_LETTER_ORIGINAL_BYTES = "dead-letter-original-bytes";
    /** With a cut value: the original value's SHA-256, in hex. */
    public static final String DEAD_LETTER_ORIGINAL_SHA256 = "dead-letter-original-sha256";
    /** Present only when some of the record's own headers were left out: how many. */
    public static final String DEAD_LETTER_HEADERS_DROPPED = "dead-letter-headers-dropped";

    private Headers() {}
}

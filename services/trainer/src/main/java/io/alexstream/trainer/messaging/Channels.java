package io.alexstream.trainer.messaging;

/** Channel and header names shared by the consumer, the configuration and the tests. */
import io.alexstream.contracts.Headers;

public final class Channels {

    /** Incoming: the labeled images topic, in batches. */
    public static final String LABELED_IN = "labeled-in";
    /** Outgoing: the labeled dead-letter topic (the refused record, bounded, plus why). */
    public static final String LABELED_DEAD_LETTERS_OUT = "labeled-dead-letters-out";
    /** Incoming: the live figures per model version (topic {@code evaluations}), read again from the start on boot. */
    public static final String EVALUATIONS_IN = "evaluations-in";

    public static final String HEADER_IMAGE_ID = Headers.IMAGE_ID;
    /** A class index (0-based) or a class name of the model's profile. */
    public static final String HEADER_LABEL = Headers.LABEL;

    // the worker's dead-letter header names, so one tool reads both dead-letter topics
    public static final String HEADER_REASON = Headers.DEAD_LETTER_REASON;
    public static final String HEADER_MESSAGE = Headers.DEAD_LETTER_MESSAGE;
    public static final String HEADER_SOURCE_TOPIC = Headers.DEAD_LETTER_TOPIC;
    public static final String HEADER_SOURCE_PARTITION = Headers.DEAD_LETTER_PARTITION;
    public static final String HEADER_SOURCE_OFFSET = Headers.DEAD_LETTER_OFFSET;
    /** Present only when the value was cut: "true". */
    public static final String HEADER_TRUNCATED = Headers.DEAD_LETTER_TRUNCATED;
    /** With a cut value: the original value's length in bytes. */
    public static final String HEADER_ORIGINAL_BYTES = Headers.DEAD_LETTER_ORIGINAL_BYTES;
    /** With a cut value: the original value's SHA-256, in hex. */
    public static final String HEADER_ORIGINAL_SHA256 = Headers.DEAD_LETTER_ORIGINAL_SHA256;
    /** Present only when some of the record's own headers were left out: how many. */
    public static final String HEADER_HEADERS_DROPPED = Headers.DEAD_LETTER_HEADERS_DROPPED;

    private Channels() {}
}

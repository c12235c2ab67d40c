package io.alexstream.worker.messaging;

/** Channel and header names shared by the consumer, the configuration and the tests. */
import io.alexstream.contracts.Headers;

public final class Channels {

    /** Incoming: the images topic, in batches. */
    public static final String IMAGES_IN = "images-in";
    /** Outgoing: the predictions topic (JSON, keyed by image id). */
    public static final String PREDICTIONS_OUT = "predictions-out";
    /** Outgoing: the dead-letter topic (the original record plus the reason). */
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";
    /** Outgoing: the review topic (the original image, the prediction in a header), for a person to label. */
    public static final String REVIEW_OUT = "review-out";

    public static final String HEADER_IMAGE_ID = Headers.IMAGE_ID;
    public static final String HEADER_CORRELATION_ID = Headers.CORRELATION_ID;
    public static final String HEADER_CONTENT_TYPE = Headers.CONTENT_TYPE;
    /**
     * On a review copy: the prediction JSON the image got. Defined here until {@code libs/contracts Headers} has it;
     * the labelling side must spell it the same.
     */
    public static final String HEADER_PREDICTION = Headers.PREDICTION;

    public static final String HEADER_REASON = Headers.DEAD_LETTER_REASON;
    public static final String HEADER_MESSAGE = Headers.DEAD_LETTER_MESSAGE;
    public static final String HEADER_SOURCE_TOPIC = Headers.DEAD_LETTER_TOPIC;
    public static final String HEADER_SOURCE_PARTITION = Headers.DEAD_LETTER_PARTITION;
    public static final String HEADER_SOURCE_OFFSET = Headers.DEAD_LETTER_OFFSET;
    /** "true" when the dead letter carries only the first bytes of the original value. */
    public static final String HEADER_TRUNCATED = Headers.DEAD_LETTER_TRUNCATED;

    public static final String HEADER_ORIGINAL_BYTES = Headers.DEAD_LETTER_ORIGINAL_BYTES;
    public static final String HEADER_ORIGINAL_SHA256 = Headers.DEAD_LETTER_ORIGINAL_SHA256;
    /** "true" when the original record's headers were too large to copy. */
    public static final String HEADER_HEADERS_DROPPED = Headers.DEAD_LETTER_HEADERS_DROPPED;

    private Channels() {}
}

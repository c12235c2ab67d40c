package io.alexstream.worker.messaging;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record's outcome, ready to publish: a prediction (JSON), with its review copy when the
 * image goes to a person too, or a dead letter. Built before it is sent, so one delivery can send
 * it alone (at-least-once) or with the rest of its poll and the poll's offsets in one transaction
 * (exactly-once), the review copy always in the same delivery as its prediction.
 *
 * @param review the prediction's copy for the review topic, or null for none
 */
record Answer(Kind kind, String key, String prediction, DeadLetter deadLetter, ReviewCopy review) {

    enum Kind {
        PREDICTION,
        DEAD_LETTER
    }

    static Answer prediction(String key, String json) {
        return prediction(key, json, null);
    }

    static Answer prediction(String key, String json, ReviewCopy review) {
        return new Answer(Kind.PREDICTION, key, json, null, review);
    }

    static Answer deadLetter(DeadLetter letter) {
        return new Answer(Kind.DEAD_LETTER, letter.key(), null, letter, null);
    }

    byte[] value() {
        return kind == Kind.PREDICTION ? prediction.getBytes(StandardCharsets.UTF_8) : deadLetter.value();
    }

    RecordHeaders headers() {
        return kind == Kind.PREDICTION ? new RecordHeaders() : deadLetter.headers();
    }
}

package io.alexstream.worker.messaging;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record's outcome, ready to publish: a prediction (JSON) or a dead letter. Built before it
 * is sent, so one delivery can send it alone (at-least-once) or with the rest of its poll and the
 * poll's offsets in one transaction (exactly-once).
 */
record Answer(Kind kind, String key, String prediction, DeadLetter deadLetter) {

    enum Kind {
        PREDICTION,
        DEAD_LETTER
    }

    static Answer prediction(String key, String json) {
        return new Answer(Kind.PREDICTION, key, json, null);
    }

    static Answer deadLetter(DeadLetter letter) {
        return new Answer(Kind.DEAD_LETTER, letter.key(), null, letter);
    }

    byte[] value() {
        return kind == Kind.PREDICTION ? prediction.getBytes(StandardCharsets.UTF_8) : deadLetter.value();
    }

    RecordHeaders headers() {
        return kind == Kind.PREDICTION ? new RecordHeaders() : deadLetter.headers();
    }
}

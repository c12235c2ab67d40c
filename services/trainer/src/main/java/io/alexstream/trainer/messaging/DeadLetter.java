package io.alexstream.trainer.messaging;

import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A refused labeled record as it goes to the dead-letter topic: its value, its own headers, and
 * headers that say why and where it came from. Bounded whatever the record held, so the producer
 * never refuses it: the value is cut past a limit (its size and SHA-256 kept in headers), an id
 * or header longer than {@link #MAX_TEXT_BYTES} is replaced by {@code sha256:<hex>} of it, and at
 * most {@link #MAX_COPIED_HEADERS} of the record's headers are copied.
 */
public record DeadLetter(String key, byte[] value, org.apache.kafka.common.header.Headers headers) {

    /** Longest key, header name or header value (UTF-8 bytes) written as is, and longest message (characters). */
    static final int MAX_TEXT_BYTES = 1024;

    static final int MAX_COPIED_HEADERS = 64;

    static DeadLetter of(
            ConsumerRecord<String, byte[]> record, LabeledRecordReader.Refused refused, int maxValueBytes) {
        String key = bounded(refused.imageId());
        RecordHeaders headers = new RecordHeaders();
        int copied = 0;
        int dropped = 0;
        // the record's own headers first, like the worker's dead letters: a reader takes the last header of a name
        for (Header header : record.headers()) {
            if (copied == MAX_COPIED_HEADERS) {
                dropped++;
                continue;
            }
            headers.add(bounded(header.key()), bounded(header.value()));
            copied++;
        }
        if (dropped > 0) {
            headers.add(Headers.DEAD_LETTER_HEADERS_DROPPED, utf8(Integer.toString(dropped)));
        }
        headers.add(Headers.IMAGE_ID, utf8(key));
        headers.add(Headers.DEAD_LETTER_REASON, utf8(refused.reason().wireName()));
        headers.add(Headers.DEAD_LETTER_MESSAGE, utf8(cut(String.valueOf(refused.message()))));
        headers.add(Headers.DEAD_LETTER_TOPIC, utf8(record.topic()));
        headers.add(Headers.DEAD_LETTER_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(Headers.DEAD_LETTER_OFFSET, utf8(Long.toString(record.offset())));
        byte[] value = record.value() == null ? new byte[0] : record.value();
        if (value.length > maxValueBytes) {
            headers.add(Headers.DEAD_LETTER_TRUNCATED, utf8("true"));
            headers.add(Headers.DEAD_LETTER_ORIGINAL_BYTES, utf8(Integer.toString(value.length)));
            headers.add(Headers.DEAD_LETTER_ORIGINAL_SHA256, utf8(HexFormat.of().formatHex(sha256(value))));
            value = Arrays.copyOf(value, maxValueBytes);
        }
        return new DeadLetter(key, value, headers);
    }

    /** The text itself, or {@code sha256:<hex>} of it when it is longer than {@link #MAX_TEXT_BYTES} in UTF-8. */
    static String bounded(String text) {
        byte[] bytes = utf8(text);
        return bytes.length <= MAX_TEXT_BYTES
                ? text
                : "sha256:" + HexFormat.of().formatHex(sha256(bytes));
    }

    private static byte[] bounded(byte[] value) {
        return value == null || value.length <= MAX_TEXT_BYTES
                ? value
                : utf8("sha256:" + HexFormat.of().formatHex(sha256(value)));
    }

    /** A message is prose: its start says more than a hash would. */
    static String cut(String message) {
        return message.length() <= MAX_TEXT_BYTES ? message : message.substring(0, MAX_TEXT_BYTES) + "...";
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

package io.alexstream.worker.messaging;

import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A dead letter that always fits the broker: the original headers (unless together they pass
 * {@link #MAX_COPIED_HEADER_BYTES}), the reason and where the record came from, and the
 * original value, cut to a limit when longer, with its size and SHA-256 so the original can
 * still be identified.
 */
public record DeadLetter(String key, RecordHeaders headers, byte[] value) {

    /** Original headers are copied while their names and values stay under this many bytes. */
    static final int MAX_COPIED_HEADER_BYTES = 64 << 10;
    /** A reason message longer than this is cut: it is read by people. */
    static final int MAX_MESSAGE_CHARS = 2000;

    /** Where the dead record was read. */
    public record Source(String topic, int partition, long offset) {}

    public static DeadLetter of(
            String imageId,
            org.apache.kafka.common.header.Headers original,
            byte[] value,
            Source source,
            String reason,
            String message,
            int maxValueBytes) {
        RecordHeaders headers = new RecordHeaders();
        long originalHeaderBytes = 0;
        if (original != null) {
            for (Header header : original) {
                originalHeaderBytes += header.key().length() + (header.value() == null ? 0 : header.value().length);
            }
            if (originalHeaderBytes <= MAX_COPIED_HEADER_BYTES) {
                original.forEach(headers::add);
            } else {
                headers.add(Headers.DEAD_LETTER_HEADERS_DROPPED, bytes("true"));
            }
        }
        headers.remove(Headers.IMAGE_ID);
        headers.add(Headers.IMAGE_ID, bytes(imageId));
        headers.add(Headers.DEAD_LETTER_REASON, bytes(reason));
        String text = String.valueOf(message);
        headers.add(
                Headers.DEAD_LETTER_MESSAGE,
                bytes(text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) + "..." : text));
        headers.add(Headers.DEAD_LETTER_TOPIC, bytes(source.topic()));
        headers.add(Headers.DEAD_LETTER_PARTITION, bytes(Integer.toString(source.partition())));
        headers.add(Headers.DEAD_LETTER_OFFSET, bytes(Long.toString(source.offset())));
        byte[] payload = value == null ? new byte[0] : value;
        if (payload.length > maxValueBytes) {
            headers.add(Headers.DEAD_LETTER_TRUNCATED, bytes("true"));
            headers.add(Headers.DEAD_LETTER_ORIGINAL_BYTES, bytes(Integer.toString(payload.length)));
            headers.add(Headers.DEAD_LETTER_ORIGINAL_SHA256, bytes(RecordIds.sha256(payload)));
            payload = Arrays.copyOf(payload, maxValueBytes);
        }
        return new DeadLetter(imageId, headers, payload);
    }

    /** The same dead letter without the original value and headers: the last resort when the broker refused it. */
    public DeadLetter bare() {
        RecordHeaders kept = new RecordHeaders();
        for (Header header : headers) {
            if (header.key().startsWith("dead-letter-") || header.key().equals(Headers.IMAGE_ID)) {
                kept.add(header);
            }
        }
        kept.add(Headers.DEAD_LETTER_HEADERS_DROPPED, bytes("true"));
        if (kept.lastHeader(Headers.DEAD_LETTER_ORIGINAL_BYTES) == null) {
            kept.add(Headers.DEAD_LETTER_TRUNCATED, bytes("true"));
            kept.add(Headers.DEAD_LETTER_ORIGINAL_BYTES, bytes(Integer.toString(value.length)));
            kept.add(Headers.DEAD_LETTER_ORIGINAL_SHA256, bytes(RecordIds.sha256(value)));
        }
        return new DeadLetter(key, kept, new byte[0]);
    }

    private static byte[] bytes(String value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }
}

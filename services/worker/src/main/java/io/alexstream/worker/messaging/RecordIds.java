package io.alexstream.worker.messaging;

import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;

/**
 * Reads a record's identity whatever its headers hold: a header with a null value counts as
 * absent, bytes that are not UTF-8 are decoded with replacement characters, and an id longer
 * than {@link #MAX_ID_CHARS} becomes {@code sha256:<hex>} of itself, so a key or header of any
 * size still yields an id that fits a prediction, a dead letter and a log line.
 */
public final class RecordIds {

    /** Longest image id used as it is. */
    public static final int MAX_ID_CHARS = 512;

    private RecordIds() {}

    /** The image id: the {@code image-id} header, else the key, else topic-partition-offset; bounded. */
    public static String imageId(
            org.apache.kafka.common.header.Headers headers, String key, String topic, int partition, long offset) {
        String id = text(headers, Headers.IMAGE_ID);
        if (id == null || id.isBlank()) {
            id = key;
        }
        if (id == null || id.isBlank()) {
            id = topic + "-" + partition + "-" + offset;
        }
        return bounded(id);
    }

    /** A header's last value as text, or null when it is missing or has no value. */
    public static String text(org.apache.kafka.common.header.Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** {@code value} itself when short enough, else {@code sha256:<hex>} of its UTF-8 bytes. */
    public static String bounded(String value) {
        if (value == null || value.length() <= MAX_ID_CHARS) {
            return value;
        }
        return "sha256:" + sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

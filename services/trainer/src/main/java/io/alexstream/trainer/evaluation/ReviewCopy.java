package io.alexstream.trainer.evaluation;

import io.alexstream.contracts.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A review copy as the review store keeps it: its record time (what the retention compares), its content type and
 * the image bytes; once a label made it a training example only a marker without the bytes stays (so a redelivered
 * copy or a second label trains nothing again).
 *
 * @param image the image bytes, or null once used
 * @param contentType the copy's {@code content-type} header, or null
 */
record ReviewCopy(long timestamp, String contentType, byte[] image) {

    /** The {@code source} header of a training example made from a review copy. */
    static final String SOURCE = "review";

    boolean used() {
        return image == null;
    }

    /** What the bytes budget counts for this copy. */
    long bytes() {
        return used() ? 0 : image.length;
    }

    ReviewCopy asUsed() {
        return new ReviewCopy(timestamp, null, null);
    }

    /** The labelled training record: key = image id, the bytes, headers image-id, label, content-type, source. */
    Record<String, byte[]> example(String imageId, String label, long recordTime) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.IMAGE_ID, imageId.getBytes(StandardCharsets.UTF_8));
        headers.add(Headers.LABEL, label.getBytes(StandardCharsets.UTF_8));
        if (contentType != null) {
            headers.add(Headers.CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
        }
        headers.add(Headers.SOURCE, SOURCE.getBytes(StandardCharsets.UTF_8));
        return new Record<>(imageId, image, recordTime, headers);
    }

    /** timestamp (8 bytes), content-type length (4 bytes, -1: none) and UTF-8, image length (-1: used) and bytes. */
    byte[] toState() {
        byte[] type = contentType == null ? new byte[0] : contentType.getBytes(StandardCharsets.UTF_8);
        ByteBuffer state = ByteBuffer.allocate(16 + type.length + (image == null ? 0 : image.length));
        state.putLong(timestamp);
        state.putInt(contentType == null ? -1 : type.length).put(type);
        state.putInt(image == null ? -1 : image.length);
        if (image != null) {
            state.put(image);
        }
        return state.array();
    }

    static ReviewCopy fromState(byte[] bytes) {
        ByteBuffer state = ByteBuffer.wrap(bytes);
        long timestamp = state.getLong();
        int typeLength = state.getInt();
        String type = null;
        if (typeLength >= 0) {
            byte[] typeBytes = new byte[typeLength];
            state.get(typeBytes);
            type = new String(typeBytes, StandardCharsets.UTF_8);
        }
        int imageLength = state.getInt();
        byte[] image = null;
        if (imageLength >= 0) {
            image = new byte[imageLength];
            state.get(image);
        }
        return new ReviewCopy(timestamp, type, image);
    }
}

package io.alexstream.worker.messaging;

import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record for the review topic: key = image id, value = the original image bytes (what the labeller looks at),
 * headers {@code image-id}, {@code content-type} and {@code correlation-id} when the source had them, and
 * {@code prediction} = the prediction JSON.
 *
 * @param contentType the source record's, or null
 * @param correlationId the source record's, or null
 */
record ReviewCopy(String key, byte[] image, String contentType, String correlationId, String prediction) {

    /** Fresh headers each time: the producer makes the ones it sent read-only, and a retry adds nothing. */
    RecordHeaders headers() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.IMAGE_ID, utf8(key));
        if (contentType != null) {
            headers.add(Headers.CONTENT_TYPE, utf8(contentType));
        }
        if (correlationId != null) {
            headers.add(Headers.CORRELATION_ID, utf8(correlationId));
        }
        headers.add(Headers.PREDICTION, utf8(prediction));
        return headers;
    }

    /** An upper bound of the record's size as the producer counts it against {@code max.request.size}. */
    long sizeUpperBound() {
        long size = image.length + utf8(key).length;
        for (var header : headers()) {
            size += header.key().length() + header.value().length + 10;
        }
        // the record batch's header and the records' varints
        return size + 512;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

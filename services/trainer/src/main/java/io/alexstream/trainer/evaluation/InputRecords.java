package io.alexstream.trainer.evaluation;

import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.Record;

/** How the evaluator's processors read an input record's headers and the image it is about. */
final class InputRecords {

    private InputRecords() {}

    /** A header's value as UTF-8, or null when it is absent or null-valued. */
    static String header(Record<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The {@code image-id} header, else the key; null or blank when the record names no image. */
    static String imageId(Record<String, byte[]> record) {
        String imageId = header(record, Headers.IMAGE_ID);
        return imageId == null || imageId.isBlank() ? record.key() : imageId;
    }
}

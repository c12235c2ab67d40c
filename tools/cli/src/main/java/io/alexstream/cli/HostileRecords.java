package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records no consumer may stop on (issue 20, item 1), one per class, each with a known id:
 * a {@code chaos-id} header (the worker copies the original headers onto its dead letter) and,
 * where the class leaves it alone, the same key and {@code image-id}. The classes that carry a
 * valid image should be answered; the others dead-lettered; a labelled record with a very long
 * id may also be stored, which nothing outside the trainer can see.
 */
final class HostileRecords {

    static final String CHAOS_ID = "chaos-id";
    static final int HUGE_KEY_BYTES = 100 * 1024;
    static final int HUGE_VALUE_BYTES = 15 * 1024 * 1024;
    static final int LONG_ID_CHARS = 70_000;

    /** What a correct service does with a class. */
    enum Expect {
        ANSWER,
        DEAD_LETTER,
        STORE_OR_DEAD_LETTER
    }

    /** One hostile record: its class, id, the record and the keys an answer may carry. */
    record Hostile(
            String kind, String id, ProducerRecord<byte[], byte[]> record, List<String> answerKeys, Expect expect) {}

    private HostileRecords() {}

    /** Every class once, ids {@code chaos-<class>-<round>}; {@code png} is a valid image. */
    static List<Hostile> round(byte[] png, int round) {
        List<Hostile> all = new ArrayList<>();
        Random random = new Random(round);

        String id = id("null-image-id-header", round);
        ProducerRecord<byte[], byte[]> nullHeader = images(id, png);
        nullHeader.headers().add(new RecordHeader(Headers.IMAGE_ID, (byte[]) null));
        all.add(new Hostile("null-image-id-header", id, nullHeader, List.of(), Expect.ANSWER));

        id = id("non-utf8-header", round);
        byte[] notUtf8 = concat(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3}, utf8(id));
        ProducerRecord<byte[], byte[]> nonUtf8 = images(id, png);
        nonUtf8.headers().add(Headers.IMAGE_ID, notUtf8);
        // a worker that decodes the header leniently answers under the mangled id
        all.add(new Hostile(
                "non-utf8-header", id, nonUtf8, List.of(new String(notUtf8, StandardCharsets.UTF_8)), Expect.ANSWER));

        id = id("huge-key", round);
        String hugeKey = id + "-" + "k".repeat(HUGE_KEY_BYTES);
        ProducerRecord<byte[], byte[]> huge = new ProducerRecord<>(Topics.IMAGES, utf8(hugeKey), png);
        huge.headers()
                .add(CHAOS_ID, utf8(id))
                .add(Headers.IMAGE_ID, utf8(id))
                .add(Headers.CONTENT_TYPE, utf8("image/png"));
        all.add(new Hostile("huge-key", id, huge, List.of(hugeKey), Expect.ANSWER));

        all.add(deadLetter("zero-length-value", round, new byte[0]));
        all.add(deadLetter("tombstone", round, null));
        byte[] garbage = new byte[4096];
        random.nextBytes(garbage);
        all.add(deadLetter("garbage", round, garbage));
        all.add(deadLetter("bmp-bomb", round, bmpBomb()));
        byte[] hugeValue = new byte[HUGE_VALUE_BYTES];
        random.nextBytes(hugeValue);
        all.add(deadLetter("huge-non-image", round, hugeValue));

        id = id("labeled-null-label", round);
        ProducerRecord<byte[], byte[]> nullLabel = labeled(id, id, png);
        nullLabel.headers().add(new RecordHeader(Headers.LABEL, (byte[]) null));
        all.add(new Hostile("labeled-null-label", id, nullLabel, List.of(), Expect.DEAD_LETTER));

        id = id("labeled-long-id", round);
        String longId = id + "-" + "i".repeat(LONG_ID_CHARS - id.length() - 1);
        ProducerRecord<byte[], byte[]> longIdRecord = labeled(id, longId, png);
        longIdRecord.headers().add(Headers.LABEL, utf8("3"));
        all.add(new Hostile("labeled-long-id", id, longIdRecord, List.of(longId), Expect.STORE_OR_DEAD_LETTER));
        return all;
    }

    /**
     * 54 bytes whose header declares a 1x1 24-bit image of 0x7FFFFFF0 bytes: the JDK's BMP reader
     * allocates what the header says and throws OutOfMemoryError.
     */
    static byte[] bmpBomb() {
        ByteBuffer bmp = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
        bmp.put((byte) 'B')
                .put((byte) 'M')
                .putInt(54)
                .putInt(0)
                .putInt(54)
                .putInt(40)
                .putInt(1)
                .putInt(1)
                .putShort((short) 1)
                .putShort((short) 24)
                .putInt(0)
                .putInt(0x7FFFFFF0);
        return bmp.array();
    }

    private static Hostile deadLetter(String kind, int round, byte[] value) {
        String id = id(kind, round);
        ProducerRecord<byte[], byte[]> record = images(id, value);
        // the classes that break the image itself keep a well-formed id
        record.headers().add(Headers.IMAGE_ID, utf8(id));
        return new Hostile(kind, id, record, List.of(), Expect.DEAD_LETTER);
    }

    /** On {@code images}, key and {@code chaos-id} = id; the caller adds the {@code image-id} its class needs. */
    private static ProducerRecord<byte[], byte[]> images(String id, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.IMAGES, utf8(id), value);
        record.headers().add(CHAOS_ID, utf8(id)).add(Headers.CONTENT_TYPE, utf8("image/png"));
        return record;
    }

    private static ProducerRecord<byte[], byte[]> labeled(String id, String imageId, byte[] png) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.LABELED, utf8(id), png);
        record.headers()
                .add(CHAOS_ID, utf8(id))
                .add(Headers.IMAGE_ID, utf8(imageId))
                .add(Headers.CONTENT_TYPE, utf8("image/png"));
        return record;
    }

    private static String id(String kind, int round) {
        return "chaos-" + kind + "-" + round;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

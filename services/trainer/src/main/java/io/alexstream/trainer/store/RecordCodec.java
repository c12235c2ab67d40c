package io.alexstream.trainer.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of one stored record, in the current format and the ones before it. A record on disk
 * is {@code magic, body length, body}; the magic says which format the body has, so segments
 * written by an older trainer load as they are and new records are appended after them.
 */
final class RecordCodec {

    /**
     * Read only: the image id in DataOutputStream's modified UTF-8, which cannot hold more than
     * 65,535 bytes (a longer id threw and stopped the consumer).
     */
    static final int MAGIC_UTF = 0xA1E75701;
    /** The image id as an int length and its UTF-8 bytes: any length, any characters. */
    static final int MAGIC_SIZED_ID = 0xA1E75702;

    private RecordCodec() {}

    static boolean isKnown(int magic) {
        return magic == MAGIC_UTF || magic == MAGIC_SIZED_ID;
    }

    /** The body in the current format ({@link #MAGIC_SIZED_ID}). */
    static byte[] encode(StoredExample example) throws IOException {
        byte[] id = example.imageId().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(example.encoded().length + id.length + 32);
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeInt(example.partition());
        out.writeLong(example.offset());
        out.writeInt(example.label());
        out.writeBoolean(example.holdout());
        out.writeInt(id.length);
        out.write(id);
        out.writeInt(example.encoded().length);
        out.write(example.encoded());
        return buffer.toByteArray();
    }

    /** Reads a body written with {@code magic}; an IOException if it does not hold together. */
    static StoredExample decode(int magic, byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        int partition = in.readInt();
        long offset = in.readLong();
        int label = in.readInt();
        boolean holdout = in.readBoolean();
        String id = magic == MAGIC_UTF ? in.readUTF() : new String(sized(in, body.length), StandardCharsets.UTF_8);
        byte[] encoded = sized(in, body.length);
        return new StoredExample(id, label, partition, offset, holdout, encoded);
    }

    /** An int length and that many bytes, the length checked against the body so a damaged one allocates nothing. */
    private static byte[] sized(DataInputStream in, int bodyLength) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > bodyLength) {
            throw new IOException("field length " + length + " does not fit a body of " + bodyLength + " bytes");
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("field of " + length + " bytes cut short at " + bytes.length);
        }
        return bytes;
    }
}

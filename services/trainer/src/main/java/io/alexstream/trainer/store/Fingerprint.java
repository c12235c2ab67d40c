package io.alexstream.trainer.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What makes two labeled records the same example: the image id and the encoded bytes, as one
 * SHA-256 over the id's length, the id and the image. Not the Kafka position: a recreated topic
 * starts its offsets at 0 again, and its records are new examples.
 */
record Fingerprint(long a, long b, long c, long d) {

    static Fingerprint of(StoredExample example) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] id = example.imageId().getBytes(StandardCharsets.UTF_8);
        // the length first, so id "ab" + image "c..." never collides with id "a" + image "bc..."
        sha256.update(ByteBuffer.allocate(4).putInt(id.length).array());
        sha256.update(id);
        sha256.update(example.encoded());
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest());
        return new Fingerprint(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
    }
}

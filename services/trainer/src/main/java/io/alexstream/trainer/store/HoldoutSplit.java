package io.alexstream.trainer.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Decides by the image id alone whether an image is held out: the same id always lands on
 * the same side, across restarts, rounds and trainer replicas, so training never sees a
 * holdout image.
 */
public final class HoldoutSplit {

    private final int percent;

    public HoldoutSplit(int percent) {
        if (percent < 1 || percent > 50) {
            throw new IllegalArgumentException("holdout percent must be within 1..50, not " + percent);
        }
        this.percent = percent;
    }

    public boolean isHoldout(String imageId) {
        return bucket(imageId) < percent;
    }

    /**
     * The first half of the held-out buckets: the validation set whose accuracy drives the
     * learning-rate schedule inside a round. The other half judges candidates, so the
     * examples that decide promotion never steer training either.
     */
    public boolean isValidation(String imageId) {
        return bucket(imageId) < percent / 2;
    }

    private static int bucket(String imageId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(imageId.getBytes(StandardCharsets.UTF_8));
            int bucket = Math.floorMod(
                    ((digest[0] & 0xff) << 24)
                            | ((digest[1] & 0xff) << 16)
                            | ((digest[2] & 0xff) << 8)
                            | (digest[3] & 0xff),
                    100);
            return bucket;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.alexstream.trainer.store;

/**
 * One labeled image as it arrived: its encoded bytes, class index, where it came from in the
 * labeled topic, and whether it belongs to the holdout.
 */
public record StoredExample(String imageId, int label, int partition, long offset, boolean holdout, byte[] encoded) {

    /** Unique across the topic: the key of the decoded-image cache. */
    public String position() {
        return partition + ":" + offset;
    }
}

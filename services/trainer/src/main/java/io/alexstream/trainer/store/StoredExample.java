package io.alexstream.trainer.store;

/**
 * One labeled image as it arrived: its encoded bytes, class index, where it came from in the
 * labeled topic, and whether it belongs to the holdout. The position is lineage, not identity:
 * a recreated topic repeats partitions and offsets.
 */
public record StoredExample(String imageId, int label, int partition, long offset, boolean holdout, byte[] encoded) {}

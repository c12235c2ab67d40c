package io.alexstream.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of measured latencies: the figure is always one that was measured, never interpolated. */
public final class Percentiles {

    private Percentiles() {}

    /** The value at fraction {@code p} (0.5: the median, 0.99: p99) of {@code values}, which it leaves unchanged. */
    public static double of(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}

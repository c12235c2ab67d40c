package io.alexstream.engine.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The most images a {@link DynamicBatcher} puts in its next session run. {@link #fixed(int)} is always the maximum.
 * {@link #tuned(int)} learns the size from the batcher's own full runs: the candidates are the powers of two up to
 * the maximum (and the maximum), it serves the one whose recent full runs took the least time per image, and every
 * {@link #EXPLORE_EVERY}th run (every {@link #EXPLORE_EVERY_LATER}th after the first {@link #LEARNING_RUNS}) it
 * tries one of the others in turn, so a size that became faster takes over.
 *
 * <p>Why learn it: which size is fastest depends on the device and the CPU, and no constant fits them all. On the
 * AVX-512 machine with oneDNN, runs of 8 images did 10-crop inference 20% faster per image than runs of one; on the
 * AVX2 Zen 3 without oneDNN and with TensorFlow's default allocator, runs of 2 were faster than runs of 8 in 20 of
 * 24 interleaved pairs, by 6% in the mean (README, run AE); with its pooling allocator 8 and 16 led (run AF). A
 * start-up timing could not tell them apart (it ran beside the other services' start), but the running batcher
 * compares sizes in runs seconds apart, under the load it serves, many times over.
 *
 * <p>Only full runs count (the size the limit asked for): a short run happens under a light load, when the engine
 * has more of the machine, and would make the small sizes look faster than they are. The first full run of each
 * size is not counted either (it pays for the new shape's buffers), and a size takes over only after
 * {@link #RUNS_TO_TAKE_OVER} counted runs, with an average lower by more than {@link #MARGIN}. Not thread-safe: the
 * batcher's one thread owns it.
 */
public final class BatchLimit {

    /** One run in this many tries another size than the one served, for the first {@link #LEARNING_RUNS} runs. */
    static final int EXPLORE_EVERY = 6;
    /**
     * After the first {@link #LEARNING_RUNS}, one run in this many: an exploration costs throughput where the size
     * served is the fastest (on a GPU a run of one image may take a third of a run of 16), so it becomes rarer once
     * every size has been timed several times, and still follows a machine whose best size changes.
     */
    static final int EXPLORE_EVERY_LATER = 24;
    static final int LEARNING_RUNS = 240;
    /**
     * Counted full runs a size needs before it may take over: beside other processes one run's time per image varies
     * by 20% (a bench's worker switched to runs of 1 on a single run at 152 ms per image and back 7 s later at 232).
     */
    static final int RUNS_TO_TAKE_OVER = 3;
    /** The weight of a new run in a size's moving average of time per image. */
    static final double NEW_RUN_WEIGHT = 0.25;
    /** Another size takes over only when its average is lower by more than this fraction (no flapping on noise). */
    static final double MARGIN = 0.02;

    private final int[] sizes;
    private final boolean tuned;
    /** Moving average of nanoseconds per image of each size's counted full runs; NaN until one was counted. */
    private final double[] nanosPerImage;
    private final int[] fullRuns;
    /** Volatile: metrics read it from other threads. */
    private volatile int served;
    private int lastLimit;
    private long runs;
    /** The size last explored (an index into the sizes). */
    private int explored;

    private BatchLimit(int maxBatch, boolean tuned) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the maximum batch must be >= 1, got " + maxBatch);
        }
        this.tuned = tuned;
        List<Integer> candidates = new ArrayList<>();
        for (int size = 1; size < maxBatch; size *= 2) {
            candidates.add(size);
        }
        candidates.add(maxBatch);
        this.sizes = tuned ? candidates.stream().mapToInt(Integer::intValue).toArray() : new int[] {maxBatch};
        this.nanosPerImage = new double[sizes.length];
        Arrays.fill(nanosPerImage, Double.NaN);
        this.fullRuns = new int[sizes.length];
        // the maximum until the runs say otherwise: what a batcher without tuning would do
        this.served = sizes.length - 1;
        this.lastLimit = sizes[served];
    }

    /** Always the maximum. */
    public static BatchLimit fixed(int maxBatch) {
        return new BatchLimit(maxBatch, false);
    }

    /** Learns the fastest size up to the maximum from the runs (see the class comment). */
    public static BatchLimit tuned(int maxBatch) {
        return new BatchLimit(maxBatch, true);
    }

    /** The limit for the next run; the batcher tells {@link #ran} how that run went. */
    public int next() {
        int index = served;
        runs++;
        if (tuned && sizes.length > 1 && runs % (runs <= LEARNING_RUNS ? EXPLORE_EVERY : EXPLORE_EVERY_LATER) == 0) {
            // the others in turn, not only the neighbours: a size two steps away can be the fastest while the one
            // between is slower than both (the Zen 3's sweeps had 2 and 8 ahead of 4 in three runs of five)
            explored = (explored + 1) % sizes.length;
            if (explored == served) {
                explored = (explored + 1) % sizes.length;
            }
            index = explored;
        }
        lastLimit = sizes[index];
        return lastLimit;
    }

    /** A run of {@code images} that took {@code nanos}, after {@link #next()} gave the limit it ran under. */
    public void ran(int images, long nanos) {
        if (!tuned || images != lastLimit || nanos <= 0) {
            return;
        }
        int index = Arrays.binarySearch(sizes, images);
        fullRuns[index]++;
        if (fullRuns[index] == 1) {
            return;
        }
        double perImage = (double) nanos / images;
        nanosPerImage[index] = Double.isNaN(nanosPerImage[index]) ? perImage
                : (1 - NEW_RUN_WEIGHT) * nanosPerImage[index] + NEW_RUN_WEIGHT * perImage;
        int fastest = served;
        for (int i = 0; i < sizes.length; i++) {
            // fullRuns counts the uncounted first run too
            boolean enoughRuns = fullRuns[i] > RUNS_TO_TAKE_OVER;
            if (enoughRuns && (Double.isNaN(nanosPerImage[fastest]) || nanosPerImage[i] < nanosPerImage[fastest])) {
                fastest = i;
            }
        }
        if (fastest != served && !Double.isNaN(nanosPerImage[served])
                && nanosPerImage[fastest] < (1 - MARGIN) * nanosPerImage[served]) {
            served = fastest;
        }
    }

    /** The size served between explorations. */
    public int served() {
        return sizes[served];
    }

    /** The moving average of milliseconds per image of {@code size}'s full runs; NaN if none was counted. */
    public double millisPerImage(int size) {
        int index = Arrays.binarySearch(sizes, size);
        return index < 0 ? Double.NaN : nanosPerImage[index] / 1e6;
    }
}

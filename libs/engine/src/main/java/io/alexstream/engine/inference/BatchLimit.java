package io.alexstream.engine.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The most images a {@link DynamicBatcher} puts in its next session run. {@link #fixed(int)} is always the maximum.
 * {@link #tuned(int)} learns the size from the batcher's own full runs: the candidates are the powers of two up to
 * the maximum (and the maximum); every {@link #EXPLORE_EVERY}th run (every {@link #EXPLORE_EVERY_LATER}th after the
 * first {@link #LEARNING_RUNS}) tries one of the sizes not served, in turn. An exploration's time per image is divided
 * by the mean of the served runs right before and right after it, and a size takes over when its average of these
 * ratios, over at least {@link #RUNS_TO_TAKE_OVER} comparisons, is below one by more than {@link #MARGIN}. A size far
 * behind (by more than {@link #FAR_BEHIND}) is tried on one of its turns in {@link #FAR_BEHIND_TURNS} only.
 *
 * <p>Learnt, not fixed, because the fastest size depends on the device, the CPU and even the allocator (docs/engine.md,
 * Inference). Compared side by side because the time per image moves with the load beside the worker: a size's stale
 * average against the served size's fresh runs made the limit flap.
 *
 * <p>Only full runs count (the size the limit asked for): a short run happens under a light load and would make the
 * small sizes look faster than they are. A size's first full run is not counted either (it pays for the new shape's
 * buffers). Not thread-safe: the batcher's one thread owns it.
 */
public final class BatchLimit {

    /** One run in this many tries another size than the one served, for the first {@link #LEARNING_RUNS} runs. */
    static final int EXPLORE_EVERY = 6;
    /**
     * After the first {@link #LEARNING_RUNS}, one run in this many: an exploration costs throughput when the served
     * size is the fastest, so it becomes rarer once every size was timed, yet still follows a changing machine.
     */
    static final int EXPLORE_EVERY_LATER = 24;

    static final int LEARNING_RUNS = 240;
    /**
     * Comparisons a size needs before it may take over: beside other processes one run's time per image varies by
     * 20%, so a single lucky run must not switch the size.
     */
    static final int RUNS_TO_TAKE_OVER = 3;
    /**
     * A size whose runs took more than this much longer per image than the served size's, over at least
     * {@link #RUNS_TO_TAKE_OVER} comparisons, is tried only on every {@link #FAR_BEHIND_TURNS}th of its turns: trying
     * clearly slower sizes as often as the close ones costs throughput while it learns.
     */
    static final double FAR_BEHIND = 0.10;

    static final int FAR_BEHIND_TURNS = 4;
    /** The weight of a new comparison in a size's moving average (the first few are a plain mean). */
    static final double NEW_RUN_WEIGHT = 0.25;
    /** Another size takes over only when its average ratio is below one by more than this (no flapping on noise). */
    static final double MARGIN = 0.02;

    private final int[] sizes;
    private final boolean tuned;
    private final int[] fullRuns;
    /**
     * Each size's time per image against the served size's, measured side by side: the moving average over its
     * explorations of its run's time per image over the mean of the served runs right before and right after it.
     * NaN until one was compared (and for the served size).
     */
    private final double[] relative;

    private final int[] comparisons;
    /** Exploration turns each size had, tried or not. */
    private final int[] turns;
    /** Volatile: metrics read it from other threads. */
    private volatile int served;

    private int lastLimit;
    private long runs;
    /** The size last explored (an index into the sizes). */
    private int explored;
    /** Nanoseconds per image of the served size's last counted run; NaN until one (and after a take-over). */
    private double lastServedNanosPerImage = Double.NaN;
    /** An exploration waiting for the served run after it: its size (-1: none), time per image, and the run before. */
    private int pendingIndex = -1;

    private double pendingNanosPerImage;
    private double pendingBefore;
    /** Why the last take-over happened, for the log; empty until one did. */
    private String lastTakeOver = "";

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
        this.fullRuns = new int[sizes.length];
        this.relative = new double[sizes.length];
        Arrays.fill(relative, Double.NaN);
        this.comparisons = new int[sizes.length];
        this.turns = new int[sizes.length];
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
            // between is slower than both
            explored = (explored + 1) % sizes.length;
            if (explored == served) {
                explored = (explored + 1) % sizes.length;
            }
            turns[explored]++;
            if (!farBehind(explored) || turns[explored] % FAR_BEHIND_TURNS == 0) {
                index = explored;
            }
        }
        lastLimit = sizes[index];
        return lastLimit;
    }

    private boolean farBehind(int index) {
        return comparisons[index] >= RUNS_TO_TAKE_OVER && relative[index] > 1 + FAR_BEHIND;
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
        if (index != served) {
            // compared once the served run after it is in; with no served run before it, there is nothing to compare
            pendingIndex = Double.isNaN(lastServedNanosPerImage) ? -1 : index;
            pendingNanosPerImage = perImage;
            pendingBefore = lastServedNanosPerImage;
            return;
        }
        if (pendingIndex >= 0) {
            // the mean of the runs before and after cancels a load that rises or falls steadily across the three
            compare(pendingIndex, pendingNanosPerImage / ((pendingBefore + perImage) / 2));
            pendingIndex = -1;
        }
        lastServedNanosPerImage = perImage;
    }

    private void compare(int index, double ratio) {
        comparisons[index]++;
        // a plain mean of the first few, then a moving average: one comparison must not outweigh the next ones
        double weight = Math.max(NEW_RUN_WEIGHT, 1.0 / comparisons[index]);
        relative[index] = comparisons[index] == 1 ? ratio : (1 - weight) * relative[index] + weight * ratio;
        int fastest = -1;
        for (int i = 0; i < sizes.length; i++) {
            if (i != served
                    && comparisons[i] >= RUNS_TO_TAKE_OVER
                    && (fastest < 0 || relative[i] < relative[fastest])) {
                fastest = i;
            }
        }
        if (fastest >= 0 && relative[fastest] < 1 - MARGIN) {
            takeOver(fastest);
        }
    }

    /** Serves {@code index} from now on; the others' comparisons are restated against it. */
    private void takeOver(int index) {
        double factor = relative[index];
        lastTakeOver = String.format(
                java.util.Locale.ROOT,
                "runs of %d images now: %.3f of the time per image of runs of %d, " + "in %d comparisons side by side",
                sizes[index],
                factor,
                sizes[served],
                comparisons[index]);
        for (int i = 0; i < sizes.length; i++) {
            if (i != index && i != served) {
                relative[i] /= factor;
            }
        }
        relative[served] = 1 / factor;
        comparisons[served] = comparisons[index];
        relative[index] = Double.NaN;
        comparisons[index] = 0;
        lastServedNanosPerImage = Double.NaN;
        pendingIndex = -1;
        served = index;
    }

    /** The size served between explorations. */
    public int served() {
        return sizes[served];
    }

    /**
     * {@code size}'s time per image against the served size's, from the explorations compared side by side so far
     * (0.9: 10% less time per image); NaN for the served size and for a size not compared yet.
     */
    public double relativeTimePerImage(int size) {
        int index = Arrays.binarySearch(sizes, size);
        return index < 0 ? Double.NaN : relative[index];
    }

    /** Why the last take-over happened, for the log; empty if the served size never changed. */
    public String lastTakeOver() {
        return lastTakeOver;
    }
}

package io.alexstream.engine.training;

/**
 * The paper's learning-rate schedule: start at the initial rate and divide by 10 whenever
 * the validation error has not improved for {@code patience} evaluations; at most
 * {@code maxDrops} times (the paper lowered it three times).
 */
public final class PlateauSchedule {

    public static final float FACTOR = 10f;

    private final int patience;
    private final int maxDrops;
    private final double minImprovement;
    private float rate;
    private double bestError = Double.POSITIVE_INFINITY;
    private int stale;
    private int drops;

    public PlateauSchedule(float initialRate, int patience, int maxDrops, double minImprovement) {
        this.rate = initialRate;
        this.patience = patience;
        this.maxDrops = maxDrops;
        this.minImprovement = minImprovement;
    }

    public float rate() {
        return rate;
    }

    public int drops() {
        return drops;
    }

    /** Records one validation error; returns the rate for what follows. */
    public float observe(double validationError) {
        if (validationError < bestError - minImprovement) {
            bestError = validationError;
            stale = 0;
        } else if (++stale >= patience && drops < maxDrops) {
            rate /= FACTOR;
            drops++;
            stale = 0;
        }
        return rate;
    }
}

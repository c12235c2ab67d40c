package io.alexstream.bench;

/**
 * The bare engine's figure measured in this process right beside a service measurement (just before and just
 * after it, while the services idle): the denominator of that service's ratio.
 */
record Reference(double before, double after) {

    static final Reference NONE = new Reference(Double.NaN, Double.NaN);

    /** The mean of the sides that were measured. */
    double value() {
        if (Double.isNaN(before)) {
            return after;
        }
        return Double.isNaN(after) ? before : (before + after) / 2;
    }
}

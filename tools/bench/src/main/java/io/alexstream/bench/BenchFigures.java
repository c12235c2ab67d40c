package io.alexstream.bench;

/** How the bench rounds its figures for the JSON: a figure that was not measured stays NaN (null in the JSON). */
final class BenchFigures {

    private BenchFigures() {}

    /** One decimal: rates, milliseconds, GFLOP/s. */
    static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : Double.NaN;
    }

    /** Three decimals: ratios and seconds. */
    static double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : Double.NaN;
    }
}

package io.alexstream.bench.peer;

/**
 * How closely two sets of per-crop probabilities agree: the largest difference relative to the crop's largest
 * probability (so near-uniform outputs of a fresh model are judged as strictly as confident ones), and the share of
 * crops whose top class is the same.
 */
public record Agreement(double maxRelative, double top1) {

    /** Per-crop probabilities {@code a} against {@code b}, {@code classes} per crop. */
    public static Agreement of(float[] a, float[] b, int classes) {
        if (a.length != b.length || a.length % classes != 0) {
            throw new IllegalArgumentException("probabilities of different shapes: " + a.length + " and " + b.length);
        }
        int crops = a.length / classes;
        double worst = 0;
        int same = 0;
        for (int c = 0; c < crops; c++) {
            int base = c * classes;
            int topA = base;
            int topB = base;
            double diff = 0;
            for (int k = base; k < base + classes; k++) {
                diff = Math.max(diff, Math.abs(a[k] - b[k]));
                topA = a[k] > a[topA] ? k : topA;
                topB = b[k] > b[topB] ? k : topB;
            }
            worst = Math.max(worst, diff / Math.max(a[topA], Float.MIN_NORMAL));
            same += topA == topB ? 1 : 0;
        }
        return new Agreement(worst, (double) same / crops);
    }
}

package io.alexstream.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on a terminal stream, redrawn at most ten times a second. */
final class Progress {

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long started = System.nanoTime();
    private long lastDrawn;

    Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        long now = System.nanoTime();
        if (done < total && now - lastDrawn < 100_000_000L) {
            return;
        }
        lastDrawn = now;
        int width = 30;
        int filled = (int) (width * Math.min(done, total) / total);
        double seconds = (now - started) / 1e9;
        out.printf(
                Locale.ROOT,
                "\r%-22s [%s%s] %d/%d  %.0f/s",
                label,
                "#".repeat(filled),
                ".".repeat(width - filled),
                done,
                total,
                seconds > 0 ? done / seconds : 0.0);
        if (done >= total) {
            out.println();
        }
        out.flush();
    }
}

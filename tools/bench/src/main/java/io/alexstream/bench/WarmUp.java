package io.alexstream.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Streams in stretches of {@link #WARM_UP_STRETCH_IMAGES} until the JIT compilers of the services and of this process
 * settle below {@link #SETTLED_COMPILER_CORES} over a stretch (at least {@link #MIN_WARM_UP_STRETCHES}, at most
 * {@link #MAX_WARM_UP}); prints each stretch's rate. Where /proc has no per-thread times the minimum is streamed.
 */
final class WarmUp {

    /**
     * The stream runs before the first window until the JIT compilers of the worker, ingest and this process together
     * use less than this many cores: the windows time the sustained path, not the JVMs' start. Sampling each thread's
     * CPU from /proc every 2 s showed those compilers at 0.25-0.35 core in a stream's first minute, 0.07-0.16 core in
     * its second and about 0.03-0.05 from the third on (the broker's and the clients' code reach C2's thresholds
     * slowly at 10 records a second). Windows that opened after a fixed 384-image warm-up (40-70 s) measured
     * 0.827-0.963, with 10-15 CPU-ms per image in this process and 4-7 in ingest; windows of the same code after
     * 1,920 images measured 0.927, 0.968 and 0.969, with 6-8 and 3.0-3.3.
     */
    static final double SETTLED_COMPILER_CORES = 0.05;
    /** Images of one warm-up stretch (plus the outstanding ones): the compilers' rate is taken over each, 25-35 s. */
    static final int WARM_UP_STRETCH_IMAGES = 256;
    /** Warm-up stretches at least: the first holds the compilers' busiest minute whatever the rate at its end. */
    static final int MIN_WARM_UP_STRETCHES = 2;
    /** The warm-up ends after this even if the compilers never settle (the windows then say so in its line). */
    static final Duration MAX_WARM_UP = Duration.ofMinutes(5);

    private WarmUp() {}

    static void run(SteadyStream stream, long workerPid, long ingestPid) throws Exception {
        long[] jvms = {workerPid, ingestPid, ProcessHandle.current().pid()};
        long started = System.nanoTime();
        for (int stretch = 1; ; stretch++) {
            Map<String, Long> compiledBefore = JitCompilers.compilerTicksByThread(jvms);
            long stretchStarted = System.nanoTime();
            stream.sustain(WARM_UP_STRETCH_IMAGES, 0, workerPid, ingestPid);
            double seconds = (System.nanoTime() - stretchStarted) / 1e9;
            double compilerCores = JitCompilers.compilerSecondsSince(compiledBefore, jvms) / seconds;
            double streamed = (System.nanoTime() - started) / 1e9;
            boolean settled = compilerCores < SETTLED_COMPILER_CORES;
            boolean last = stretch >= MIN_WARM_UP_STRETCHES
                    && (settled || Double.isNaN(compilerCores) || streamed >= MAX_WARM_UP.toSeconds());
            System.out.printf(
                    Locale.ROOT,
                    "  warm-up stretch %d: %.1f s; the JIT compilers of the worker, ingest and this "
                            + "process used %.3f core%s%n",
                    stretch,
                    seconds,
                    compilerCores,
                    !last
                            ? ""
                            : settled
                                    ? " (settled: the windows start)"
                                    : Double.isNaN(compilerCores)
                                            ? " (no per-thread CPU times here: the windows start)"
                                            : String.format(
                                                    Locale.ROOT,
                                                    " (still above %.2f after %.0f s: the windows start anyway)",
                                                    SETTLED_COMPILER_CORES,
                                                    streamed));
            if (last) {
                return;
            }
        }
    }
}

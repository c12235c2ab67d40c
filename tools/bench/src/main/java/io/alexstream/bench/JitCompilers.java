package io.alexstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of HotSpot's JIT compiler threads in the bench's JVMs, read per thread from Linux's /proc: the warm-up
 * streams until they settle, so the timed windows measure the sustained path and not the JVMs' start.
 */
final class JitCompilers {

    /** Linux's USER_HZ, the unit of the per-thread times in /proc: 100 on every architecture the JDK ships for. */
    private static final double CLOCK_TICKS_PER_SECOND = 100;

    private JitCompilers() {}

    /**
     * CPU seconds the JIT compiler threads of these processes used since {@code before} (from
     * {@link #compilerTicksByThread}); NaN without Linux's /proc. Counted thread by thread: HotSpot starts and stops
     * compiler threads as the queue needs, and a thread that ended takes its total with it, which in a plain sum
     * would cancel a stretch's work.
     */
    static double compilerSecondsSince(Map<String, Long> before, long... pids) {
        Map<String, Long> now = compilerTicksByThread(pids);
        if (before == null || now == null) {
            return Double.NaN;
        }
        long ticks = 0;
        for (Map.Entry<String, Long> thread : now.entrySet()) {
            ticks += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    /** User and system ticks of each JIT compiler thread of these processes, by "pid/tid"; null without /proc. */
    static Map<String, Long> compilerTicksByThread(long... pids) {
        Map<String, Long> ticks = new HashMap<>();
        for (long pid : pids) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (var threads = Files.list(tasks)) {
                for (Path thread : (Iterable<Path>) threads::iterator) {
                    long used = compilerTicks(thread.resolve("stat"));
                    if (used >= 0) {
                        ticks.put(pid + "/" + thread.getFileName(), used);
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                return null;
            }
        }
        return ticks;
    }

    /** User and system ticks of one thread if it is one of HotSpot's compilers, else -1. */
    private static long compilerTicks(Path stat) {
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException e) {
            return -1; // the thread ended since the listing
        }
        return compilerTicks(line);
    }

    /** From a /proc/<pid>/task/<tid>/stat line: utime + stime if the thread is "C1/C2 CompilerThre", else -1. */
    static long compilerTicks(String statLine) {
        int open = statLine.indexOf('(');
        int close = statLine.lastIndexOf(')');
        if (open < 0 || close < open) {
            return -1;
        }
        String name = statLine.substring(open + 1, close);
        if (!name.matches("C[12] CompilerThre.*")) {
            return -1;
        }
        // after the name: state, ppid, ... ; utime and stime are fields 14 and 15 of the line, 12 and 13 after it
        String[] fields = statLine.substring(close + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}

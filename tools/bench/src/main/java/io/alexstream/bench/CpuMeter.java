package io.alexstream.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU seconds of the service processes and of this one, so each measurement can say where the cores went: the
 * services' share during a bare-engine figure would have slowed it, and this process's share is the broker's and
 * the clients'.
 */
final class CpuMeter {

    private CpuMeter() {}

    /** CPU seconds the child processes have used so far, in order, and this process's last. */
    static double[] cpuSeconds(long... pids) {
        double[] seconds = new double[pids.length + 1];
        for (int i = 0; i < pids.length; i++) {
            seconds[i] = cpuSeconds(pids[i]);
        }
        seconds[pids.length] = ownCpuSeconds();
        return seconds;
    }

    /** CPU seconds used since {@code before} (taken by {@link #cpuSeconds(long...)} with the same pids). */
    static double[] cpuSince(double[] before, long... pids) {
        double[] seconds = cpuSeconds(pids);
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] -= before[i];
        }
        return seconds;
    }

    /** CPU time (user + system) a child process has used so far; NaN where the platform does not say. */
    private static double cpuSeconds(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(h -> h.info().totalCpuDuration())
                .map(d -> d.toNanos() / 1e9)
                .orElse(Double.NaN);
    }

    private static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }
}

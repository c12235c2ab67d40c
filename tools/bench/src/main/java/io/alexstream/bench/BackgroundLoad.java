package io.alexstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads that take slices of the cores the way a service's plumbing does (Kafka clients, HTTP, JIT): each one busy
 * for {@link #BUSY_NANOS}, then asleep for {@link #IDLE_NANOS}, so three of them take about 0.35 of a core. The bench
 * runs its bare engine beside them (`--background-load-threads N`) to show what TensorFlow's thread count does for
 * an engine that shares its cores.
 */
final class BackgroundLoad implements AutoCloseable {

    static final long BUSY_NANOS = 1_000_000;
    static final long IDLE_NANOS = 7_500_000;

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    private BackgroundLoad(int count) {
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(this::run, "background-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Starts {@code count} load threads; none for 0. */
    static BackgroundLoad start(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("--background-load-threads must be >= 0, got " + count);
        }
        return new BackgroundLoad(count);
    }

    /** The share of one core the threads take together. */
    double cores() {
        return threads.size() * (double) BUSY_NANOS / (BUSY_NANOS + IDLE_NANOS);
    }

    private void run() {
        long spins = 0;
        while (running) {
            long until = System.nanoTime() + BUSY_NANOS;
            while (System.nanoTime() < until) {
                spins++;
            }
            LockSupport.parkNanos(IDLE_NANOS);
        }
        if (spins < 0) {
            throw new AssertionError("unreachable: keeps the busy loop from being optimised away");
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

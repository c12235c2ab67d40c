package io.alexstream.engine.image;

import java.util.concurrent.Semaphore;

/**
 * Bounds the heap that decodes in flight may hold together, in KiB of decoded pixels. A decode
 * waits for its share instead of failing, so a burst of large in-limit images is decoded one
 * after another rather than exhausting the heap; a decode larger than the whole budget takes
 * all of it and runs alone.
 */
public final class DecodeBudget {

    /** A quarter of the heap, shared by every decoder in the process. */
    public static final DecodeBudget SHARED =
            new DecodeBudget(Runtime.getRuntime().maxMemory() / 4);

    private final Semaphore kibibytes;
    private final int total;

    public DecodeBudget(long bytes) {
        this.total = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes >> 10));
        this.kibibytes = new Semaphore(total, true);
    }

    /** Takes room for {@code bytes} of decoded pixels; close the lease when the pixels are released. */
    public Lease acquire(long bytes) throws InterruptedException {
        int permits = (int) Math.max(1, Math.min(total, (bytes + 1023) >> 10));
        kibibytes.acquire(permits);
        return new Lease(permits);
    }

    /** Room left, in bytes: for tests and metrics. */
    public long available() {
        return (long) kibibytes.availablePermits() << 10;
    }

    /** One decode's share, given back once. */
    public final class Lease implements AutoCloseable {
        private int permits;

        private Lease(int permits) {
            this.permits = permits;
        }

        @Override
        public void close() {
            if (permits > 0) {
                kibibytes.release(permits);
                permits = 0;
            }
        }
    }
}

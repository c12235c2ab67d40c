package io.alexstream.worker.messaging;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code perSecond} tokens a second, at most {@code perSecond} (and at least one) saved up, full at
 * the start. {@link #tryTake} never waits: it answers whether a token was there, so a burst beyond the rate is
 * refused, not delayed. Time comes from the given nanosecond clock, so tests move it by hand.
 */
final class TokenBucket {

    private final double perNano;
    private final double capacity;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    TokenBucket(double perSecond, LongSupplier nanoClock) {
        if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("a token bucket's rate must be finite and at least 0, got " + perSecond);
        }
        this.perNano = perSecond / 1e9;
        // at 0 a second nothing passes; below one a second, one token may still be saved up
        this.capacity = perSecond == 0 ? 0 : Math.max(1, perSecond);
        this.nanoClock = nanoClock;
        this.tokens = capacity;
        this.last = nanoClock.getAsLong();
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(capacity, tokens + Math.max(0, now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}

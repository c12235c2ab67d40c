package io.alexstream.worker.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The review rate limit: a full bucket lets a burst of one second's worth through, then one more per
 * refilled token; it saves up no more than a second's worth however long it idles; a rate of 0 lets nothing through.
 * The clock is moved by hand.
 */
class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aBurstOfOneSecondsWorthThenOneTokenPerRefill() {
        TokenBucket bucket = new TokenBucket(5, now::get);
        for (int i = 0; i < 5; i++) {
            assertThat(bucket.tryTake()).as("token %d of the full bucket", i).isTrue();
        }
        assertThat(bucket.tryTake()).as("the sixth in the same instant").isFalse();
        now.addAndGet(199_000_000L);
        assertThat(bucket.tryTake()).as("199 ms later: not yet a whole token").isFalse();
        now.addAndGet(1_000_000L);
        assertThat(bucket.tryTake()).as("200 ms after the burst: one token").isTrue();
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void anIdleBucketSavesUpNoMoreThanItsCapacity() {
        TokenBucket bucket = new TokenBucket(2, now::get);
        now.addAndGet(3_600_000_000_000L);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).as("an hour idle still saves only two").isFalse();
    }

    @Test
    void aRateBelowOneStillLetsOneThroughAndZeroLetsNoneThrough() {
        TokenBucket slow = new TokenBucket(0.5, now::get);
        assertThat(slow.tryTake()).isTrue();
        now.addAndGet(1_000_000_000L);
        assertThat(slow.tryTake()).as("half a token after a second").isFalse();
        now.addAndGet(1_000_000_000L);
        assertThat(slow.tryTake()).as("a whole one after two").isTrue();

        TokenBucket closed = new TokenBucket(0, now::get);
        now.addAndGet(3_600_000_000_000L);
        assertThat(closed.tryTake()).isFalse();
    }

    @Test
    void aClockThatStepsBackRefillsNothing() {
        TokenBucket bucket = new TokenBucket(1, now::get);
        assertThat(bucket.tryTake()).isTrue();
        now.addAndGet(-5_000_000_000L);
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void aNegativeOrEndlessRateIsRefused() {
        assertThatThrownBy(() -> new TokenBucket(-1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(Double.NaN, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(Double.POSITIVE_INFINITY, now::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

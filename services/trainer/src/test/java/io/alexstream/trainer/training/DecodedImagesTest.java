package io.alexstream.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.image.ScaledImage;
import io.alexstream.trainer.store.StoredExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit. The decoded-image cache stays within its bytes, drops the oldest first and never mixes up two examples.
 */
class DecodedImagesTest {

    @Test
    void pastItsBytesTheOldestImagesGo() {
        DecodedImages cache = new DecodedImages(10 * 300);
        List<StoredExample> examples = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            StoredExample example = new StoredExample("id-" + i, 0, 0, i, false, new byte[] {1});
            examples.add(example);
            cache.put(example, new ScaledImage(10, new byte[300]));
            assertThat(cache.bytes()).isLessThanOrEqualTo(10 * 300);
        }
        assertThat(cache.bytes()).as("ten images").isEqualTo(10 * 300);
        assertThat(cache.get(examples.get(14))).isNull();
        assertThat(cache.get(examples.get(15))).isNotNull();
        assertThat(cache.get(examples.get(24))).isNotNull();

        cache.removeAll(examples.subList(15, 20));
        assertThat(cache.bytes()).isEqualTo(5 * 300);
        assertThat(cache.get(examples.get(20))).isNotNull();
    }

    @Test
    void twoExamplesAtTheSamePositionKeepTheirOwnImages() {
        DecodedImages cache = new DecodedImages(1 << 20);
        StoredExample before = new StoredExample("old", 0, 0, 5, false, new byte[] {1});
        StoredExample recreated = new StoredExample("new", 0, 0, 5, false, new byte[] {2});
        ScaledImage first = new ScaledImage(1, new byte[] {1, 1, 1});
        ScaledImage second = new ScaledImage(1, new byte[] {2, 2, 2});
        cache.put(before, first);
        cache.put(recreated, second);
        assertThat(cache.get(before)).isSameAs(first);
        assertThat(cache.get(recreated)).isSameAs(second);
    }

    @Test
    void aBoundOfZeroCachesNothing() {
        DecodedImages cache = new DecodedImages(0);
        cache.put(new StoredExample("a", 0, 0, 0, false, new byte[] {1}), new ScaledImage(1, new byte[3]));
        assertThat(cache.bytes()).isZero();
    }
}

package io.alexstream.engine;

import io.alexstream.engine.image.ScaledImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random S x S images for tests that need inputs but not meaning. */
public final class TestImages {

    private TestImages() {}

    public static List<ScaledImage> random(int count, int size, long seed) {
        Random random = new Random(seed);
        List<ScaledImage> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[size * size * 3];
            random.nextBytes(rgb);
            images.add(new ScaledImage(size, rgb));
        }
        return images;
    }

    public static float[] grayMean(int size) {
        float[] mean = new float[size * size * 3];
        java.util.Arrays.fill(mean, 127.5f);
        return mean;
    }
}

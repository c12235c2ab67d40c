package io.alexstream.bench;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The engine on its own, in the bench's process: 10-crop inference of a fixed batch and training
 * steps on fixed crops, each timed as the median of several runs after an untimed one. The bench
 * measures it at the start and again right beside each service measurement, because this VM's
 * speed drifts by up to 40% over minutes and a ratio must compare like with like.
 */
final class BareEngine {

    private final AlexNetModel model;
    private final AlexNetConfig config;
    private final Random random = new Random(1);

    BareEngine(AlexNetModel model) {
        this.model = model;
        this.config = model.config();
    }

    /** Images/s of 10-crop inference at {@code batch} images per session run. */
    double inferImagesPerSecond(int batch, int runs) {
        return batch / inferSeconds(batch, runs);
    }

    /** Median seconds of one 10-crop session run over {@code batch} images. */
    double inferSeconds(int batch, int runs) {
        List<ScaledImage> images = randomImages(batch);
        return medianSeconds(() -> model.classify(images, Crops.Mode.TEN_CROP, 5), runs);
    }

    /** Median seconds of {@code runs} calls of {@code call}, after one untimed call. */
    static double medianSeconds(Runnable call, int runs) {
        call.run();
        double[] times = new double[runs];
        for (int r = 0; r < runs; r++) {
            long started = System.nanoTime();
            call.run();
            times[r] = (System.nanoTime() - started) / 1e9;
        }
        return median(times);
    }

    /**
     * Median seconds of one training step of {@code batch} crops (random values and labels); {@code steps} >= 1,
     * checked by bench.
     */
    double trainStepSeconds(int batch, int steps) {
        int cropValues = config.cropSize() * config.cropSize() * 3;
        float[] crops = new float[batch * cropValues];
        for (int i = 0; i < crops.length; i++) {
            crops[i] = random.nextFloat() * 200 - 100;
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(config.numClasses());
        }
        model.trainStep(crops, labels, 0.001f);
        double[] times = new double[steps];
        for (int s = 0; s < steps; s++) {
            long started = System.nanoTime();
            model.trainStep(crops, labels, 0.001f);
            times[s] = (System.nanoTime() - started) / 1e9;
        }
        return median(times);
    }

    /** {@code count} images of random pixels at the profile's scale size. */
    List<ScaledImage> randomImages(int count) {
        List<ScaledImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[config.scaleSize() * config.scaleSize() * 3];
            random.nextBytes(rgb);
            images.add(new ScaledImage(config.scaleSize(), rgb));
        }
        return images;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

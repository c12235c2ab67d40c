package io.alexstream.engine.inference;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Finds the batch size at which a model classifies the most images per second on this machine, by timing it. The
 * best batch is the CPU's as much as the network's: on an AVX-512 EPYC, 10-crop paper-profile runs of 8 images were
 * the fastest per image in the bench's sweeps; on an AVX2 Zen 3, runs of 4 were 6-8% faster per image than runs of 8.
 */
public final class BatchSizeTuner {

    /** The batch that was fastest, and every candidate's images/s (the median of its rounds). */
    public record Choice(int batch, Map<Integer, Double> imagesPerSecond) {
    }

    private BatchSizeTuner() {
    }

    /**
     * Times {@code rounds} session runs of every candidate, interleaved (one of each per round, so a drift of the
     * machine's speed reaches every candidate alike), after one untimed run of each (the first run of a shape pays
     * for graph optimisation and allocation). The model must be loaded; its weights do not change the time.
     */
    public static Choice fastest(AlexNetModel model, List<Integer> candidates, Crops.Mode mode, int rounds) {
        if (candidates.isEmpty() || rounds < 1) {
            throw new IllegalArgumentException("need at least one candidate and one round");
        }
        Map<Integer, List<ScaledImage>> inputs = new LinkedHashMap<>();
        Random random = new Random(1);
        int scale = model.config().scaleSize();
        for (int batch : candidates) {
            if (batch < 1) {
                throw new IllegalArgumentException("batch sizes must be >= 1, got " + batch);
            }
            List<ScaledImage> images = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                byte[] rgb = new byte[scale * scale * 3];
                random.nextBytes(rgb);
                images.add(new ScaledImage(scale, rgb));
            }
            inputs.put(batch, images);
            model.classify(images, mode, 1);
        }
        Map<Integer, double[]> seconds = new LinkedHashMap<>();
        inputs.keySet().forEach(batch -> seconds.put(batch, new double[rounds]));
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<Integer, List<ScaledImage>> entry : inputs.entrySet()) {
                long started = System.nanoTime();
                model.classify(entry.getValue(), mode, 1);
                seconds.get(entry.getKey())[round] = (System.nanoTime() - started) / 1e9;
            }
        }
        Map<Integer, Double> rates = new LinkedHashMap<>();
        int best = -1;
        for (Map.Entry<Integer, double[]> entry : seconds.entrySet()) {
            double rate = entry.getKey() / median(entry.getValue());
            rates.put(entry.getKey(), rate);
            if (best < 0 || rate > rates.get(best)) {
                best = entry.getKey();
            }
        }
        return new Choice(best, rates);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

package io.alexstream.bench;

import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * How the bench's own engine is measured beside the services: its best inference batch and its training step. Each
 * figure is taken while the services idle, and what they used of the CPU meanwhile is printed beside it (their share
 * would have slowed the engine, so it is on record).
 */
record BareSettings(BareEngine engine, int inferBatch, int trainBatch, int trainSteps) {

    /** Images per bare inference reference (median of their session runs): 2-4 s of this machine's time. */
    private static final int REFERENCE_IMAGES = 32;

    private static final int SINGLE_IMAGE_RUNS = 9;

    double inferImagesPerSecond() {
        return engine.inferImagesPerSecond(inferBatch, Math.max(4, REFERENCE_IMAGES / inferBatch));
    }

    double singleImageMs() {
        return engine.inferSeconds(1, SINGLE_IMAGE_RUNS) * 1e3;
    }

    double trainImagesPerSecond() {
        return trainBatch > 0 ? trainBatch / engine.trainStepSeconds(trainBatch, trainSteps) : Double.NaN;
    }

    /** Takes {@code measure} while the services idle and prints it with the CPU seconds they used meanwhile. */
    static double beside(String what, DoubleSupplier measure, long... servicePids) {
        double[] before = CpuMeter.cpuSeconds(servicePids);
        long started = System.nanoTime();
        double value = measure.getAsDouble();
        double[] used = CpuMeter.cpuSince(before, servicePids);
        double services = 0;
        for (int i = 0; i < servicePids.length; i++) {
            services += used[i];
        }
        System.out.printf(
                Locale.ROOT,
                "  bare engine, %s: %.2f (the idle services used %.2f CPU seconds in its %.1f s)%n",
                what,
                value,
                services,
                (System.nanoTime() - started) / 1e9);
        return value;
    }
}

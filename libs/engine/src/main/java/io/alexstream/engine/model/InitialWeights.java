package io.alexstream.engine.model;

import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsMetadata;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Draws fresh weights for a config: every weight from a zero-mean Gaussian whose deviation the
 * {@link Initialization} gives, every bias at its initial value. The same seed always draws the
 * same weights, so a seeded model is reproducible across runs and machines.
 */
final class InitialWeights {

    private InitialWeights() {}

    static ModelWeights draw(AlexNetConfig config, long seed, float[] meanImage, Initialization initialization) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (VariableSpec spec : AlexNetGraph.variableSpecs(config)) {
            float[] v = new float[(int) spec.size()];
            if (spec.isBias()) {
                Arrays.fill(v, initialization.paperBiases() ? spec.initialBias() : 0f);
            } else {
                double stddev = initialization.stddev(spec.name(), spec.shape());
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (gaussian(random) * stddev);
                }
            }
            values.put(spec.name(), v);
        }
        return new ModelWeights(config, WeightsMetadata.initial(Instant.now().toString()), meanImage.clone(), values);
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default.
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}

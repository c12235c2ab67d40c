package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.alexstream.engine.runtime.Precision;
import io.alexstream.engine.runtime.PrecisionChoice;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsMetadata;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit on real sessions. bf16 inference against fp32 on the same weights: the paper profile's probabilities
 * within {@link #RELATIVE_TOLERANCE} of each crop's top probability, and the bfloat16 copies follow the weights through
 * training steps. (Fashion-MNIST accuracy: {@code FashionMnistLearningTest}.) Runs where the CPU has native bfloat16,
 * the only place {@code auto} chooses it.
 */
class Bfloat16InferenceTest {

    /** bfloat16 keeps 8 bits of mantissa: a fresh paper model's probabilities moved by 1-2% of the top one. */
    static final double RELATIVE_TOLERANCE = 0.05;

    @BeforeAll
    static void nativeBfloat16() {
        assumeTrue(PrecisionChoice.nativeBfloat16(), "this CPU has no native bfloat16");
    }

    @Test
    void paperProbabilitiesStayWithinToleranceOfFp32() throws Exception {
        AlexNetConfig config = Profiles.paper();
        float[] crops = randomCrops(config, 20, 2);
        try (AlexNetModel fp32 = AlexNetModel.create(config, SessionOptions.cpu());
                AlexNetModel bf16 =
                        AlexNetModel.create(config, SessionOptions.cpu().withPrecision(Precision.BF16))) {
            fp32.initialize(1, flatMean(config, 120f));
            bf16.load(fp32.export(WeightsMetadata.initial("bf16 test")));
            assertThat(bf16.precision()).isEqualTo(Precision.BF16);
            float[] exact = fp32.probabilities(crops, 20);
            float[] reduced = bf16.probabilities(crops, 20);
            assertThat(maxRelativeDifference(exact, reduced, config.numClasses()))
                    .isGreaterThan(0)
                    .isLessThanOrEqualTo(RELATIVE_TOLERANCE);
        }
    }

    @Test
    void trainingStepsReachTheBfloat16Copies() throws Exception {
        AlexNetConfig config = Profiles.small();
        float[] crops = randomCrops(config, 16, 3);
        int[] labels = new int[16];
        Arrays.fill(labels, 3);
        try (AlexNetModel bf16 =
                        AlexNetModel.create(config, SessionOptions.cpu().withPrecision(Precision.BF16));
                AlexNetModel fp32 = AlexNetModel.create(config, SessionOptions.cpu())) {
            bf16.initialize(1, flatMean(config, 120f));
            float[] before = bf16.probabilities(crops, 16);
            for (int step = 0; step < 5; step++) {
                bf16.trainStep(crops, labels, 0.01f);
            }
            float[] after = bf16.probabilities(crops, 16);
            ModelWeights trained = bf16.export(WeightsMetadata.initial("bf16 test"));
            fp32.load(trained);
            float[] expected = fp32.probabilities(crops, 16);
            // the steps moved class 3 up: visible in bf16 only if its copies were refreshed
            assertThat(after[3]).isGreaterThan(before[3] + 0.05f);
            assertThat(maxRelativeDifference(expected, after, config.numClasses()))
                    .isLessThanOrEqualTo(RELATIVE_TOLERANCE);
        }
    }

    static double maxRelativeDifference(float[] exact, float[] other, int classes) {
        double worst = 0;
        for (int crop = 0; crop < exact.length / classes; crop++) {
            double top = 0;
            double diff = 0;
            for (int k = crop * classes; k < (crop + 1) * classes; k++) {
                top = Math.max(top, exact[k]);
                diff = Math.max(diff, Math.abs(exact[k] - other[k]));
            }
            worst = Math.max(worst, diff / top);
        }
        return worst;
    }

    private static float[] randomCrops(AlexNetConfig config, int count, long seed) {
        Random random = new Random(seed);
        float[] crops = new float[count * config.cropSize() * config.cropSize() * AlexNetConfig.CHANNELS];
        for (int i = 0; i < crops.length; i++) {
            crops[i] = random.nextFloat() * 200 - 100;
        }
        return crops;
    }

    private static float[] flatMean(AlexNetConfig config, float value) {
        float[] mean = new float[config.scaleSize() * config.scaleSize() * AlexNetConfig.CHANNELS];
        Arrays.fill(mean, value);
        return mean;
    }
}

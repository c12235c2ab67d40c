package io.alexstream.worker.inference;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsFormatException;
import java.util.Arrays;
import java.util.List;

/**
 * Loads weights into a session that does not serve and runs one inference on a grey image: the
 * weights pass only when every class gets a finite probability and they sum to one, so weights
 * that load but overflow are refused before a single image meets them.
 */
final class WarmUp {

    private WarmUp() {}

    static void loadAndCheck(AlexNetModel staging, AlexNetConfig config, ModelWeights weights)
            throws WeightsRefusedException {
        try {
            staging.load(weights);
        } catch (WeightsFormatException e) {
            throw new WeightsRefusedException(WeightsRefusedException.Reason.INVALID_WEIGHTS, e.getMessage());
        }
        int side = config.scaleSize();
        byte[] grey = new byte[side * side * 3];
        Arrays.fill(grey, (byte) 128);
        List<ClassScore> scores = staging.classify(
                        List.of(new ScaledImage(side, grey)), Crops.Mode.TEN_CROP, config.numClasses())
                .get(0)
                .top();
        double sum = 0;
        for (ClassScore score : scores) {
            if (!Double.isFinite(score.probability())) {
                throw new WeightsRefusedException(
                        WeightsRefusedException.Reason.WARM_UP_FAILED,
                        "the warm-up inference gave a non-finite probability for class " + score.index());
            }
            sum += score.probability();
        }
        if (Math.abs(sum - 1) > 1e-3) {
            throw new WeightsRefusedException(
                    WeightsRefusedException.Reason.WARM_UP_FAILED,
                    "the warm-up probabilities sum to " + sum + ", not 1");
        }
    }
}

package io.alexstream.trainer.training;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.training.Accuracy;
import io.alexstream.engine.training.Evaluator;
import io.alexstream.engine.training.Example;
import io.alexstream.trainer.config.TrainerConfig;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a round's candidate replaces the serving version. Both are judged on the same
 * holdout (top-1/top-5, ten crops and centre crop); the candidate is promoted only if its ten-crop
 * top-1 is higher than the serving version's, and a first model only if it beats chance (1/classes)
 * by {@link TrainerConfig#firstModelMargin()}. A rollback that moved the current version while the
 * round trained wins: the candidate, trained from the version rolled away from, is superseded.
 */
@Singleton
public class PromotionGate {

    /** The holdout figures every version records and Prometheus gets, per version and for the serving one. */
    static final List<String> HOLDOUT_METRICS = List.of("top1", "top5", "top1_center", "top5_center");

    /** The gate's answer and, in words for the log and the status page, why. */
    record Verdict(RoundOutcome outcome, String decision) {

        boolean promoted() {
            return outcome == RoundOutcome.PROMOTED;
        }
    }

    private final double chance;
    private final double firstModelMargin;

    public PromotionGate(TrainerConfig config) {
        this.chance = 1.0 / Profiles.byName(config.profile()).numClasses();
        this.firstModelMargin = config.firstModelMargin();
    }

    /** The model's holdout figures, keyed as {@link #HOLDOUT_METRICS}. */
    Map<String, Double> holdoutAccuracy(AlexNetModel model, List<Example> holdout) {
        Accuracy ten = Evaluator.evaluate(model, holdout, Crops.Mode.TEN_CROP, 128);
        Accuracy centre = Evaluator.evaluate(model, holdout, Crops.Mode.CENTER, 256);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        accuracy.put("top1", ten.top1());
        accuracy.put("top5", ten.top5());
        accuracy.put("top1_center", centre.top1());
        accuracy.put("top5_center", centre.top5());
        return accuracy;
    }

    /**
     * Judges a candidate trained from {@code parent} (0: from scratch) against the figures the
     * serving version had on the same holdout; {@code currentNow} is the current version at the
     * end of the round.
     */
    Verdict judge(long parent, Map<String, Double> serving, Map<String, Double> candidate, long currentNow) {
        if (currentNow != parent) {
            return new Verdict(
                    RoundOutcome.SUPERSEDED,
                    String.format(
                            "superseded: version %d became current while this round trained from version %d"
                                    + " (a rollback wins)",
                            currentNow, parent));
        }
        double bar = parent == 0 ? chance + firstModelMargin : serving.get("top1");
        RoundOutcome outcome = candidate.get("top1") > bar ? RoundOutcome.PROMOTED : RoundOutcome.REJECTED;
        String decision = parent == 0
                ? String.format(
                        "first model: top-1 %.4f vs chance %.4f + margin %.2f",
                        candidate.get("top1"), chance, firstModelMargin)
                : String.format(
                        "top-1 %.4f vs serving version %d's %.4f on the same holdout",
                        candidate.get("top1"), parent, serving.get("top1"));
        return new Verdict(outcome, decision);
    }
}

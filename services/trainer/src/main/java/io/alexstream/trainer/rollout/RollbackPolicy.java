package io.alexstream.trainer.rollout;

import io.alexstream.trainer.evaluation.EvaluationRecord;

/**
 * Whether the serving version does worse live than the version before it, on their latest {@code evaluations}
 * figures. It says roll back only when both versions have at least {@code minLabelled} labelled answers, a one-sided
 * two-proportion z-test puts the serving version's top-1 below the other's at {@code confidence}, and the drop is at
 * least {@code minDrop}: significance alone would roll back over a trivial drop once enough labels arrive. Pure
 * logic, no state.
 */
public final class RollbackPolicy {

    /**
     * What the policy decided and on what evidence, as the version's lineage records it.
     *
     * @param rollBack whether to roll back
     * @param why      the decision in words
     * @param serving  the serving version's figures
     * @param previous the figures of the version before it
     * @param z        (previous top-1 - serving top-1) over the pooled standard error; positive when serving is worse
     * @param pValue   one-sided: the chance of a z at least this large if both versions were as good
     */
    public record Decision(
            boolean rollBack,
            String why,
            EvaluationRecord serving,
            EvaluationRecord previous,
            double z,
            double pValue) {}

    private final long minLabelled;
    private final double confidence;
    private final double minDrop;

    public RollbackPolicy(long minLabelled, double confidence, double minDrop) {
        if (minLabelled < 1) {
            throw new IllegalArgumentException("alexstream.rollback.auto.min-labelled must be at least 1");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("alexstream.rollback.auto.confidence must lie between 0 and 1");
        }
        if (!(minDrop >= 0 && minDrop <= 1)) {
            throw new IllegalArgumentException("alexstream.rollback.auto.min-drop must lie in [0, 1]");
        }
        this.minLabelled = minLabelled;
        this.confidence = confidence;
        this.minDrop = minDrop;
    }

    public double confidence() {
        return confidence;
    }

    public double minDrop() {
        return minDrop;
    }

    public Decision decide(EvaluationRecord serving, EvaluationRecord previous) {
        if (serving.labelled() < minLabelled || previous.labelled() < minLabelled) {
            return new Decision(
                    false,
                    String.format(
                            "too few labelled answers (%d and %d, at least %d each)",
                            serving.labelled(), previous.labelled(), minLabelled),
                    serving,
                    previous,
                    Double.NaN,
                    Double.NaN);
        }
        double n1 = serving.labelled();
        double n2 = previous.labelled();
        double pooled = (serving.top1() * n1 + previous.top1() * n2) / (n1 + n2);
        double error = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
        double drop = previous.top1() - serving.top1();
        // both all right or all wrong: no difference to test
        double z = error > 0 ? drop / error : 0;
        double pValue = upperTail(z);
        boolean significant = pValue < 1 - confidence;
        boolean large = drop >= minDrop;
        String why = String.format(
                "live top-1 %.4f of version %d (%d labelled) against %.4f of version %d (%d labelled): "
                        + "drop %.4f (at least %.4f: %s), z %.3f, one-sided p %.4g (below %.4g: %s)",
                serving.top1(),
                serving.version(),
                serving.labelled(),
                previous.top1(),
                previous.version(),
                previous.labelled(),
                drop,
                minDrop,
                large ? "yes" : "no",
                z,
                pValue,
                1 - confidence,
                significant ? "yes" : "no");
        return new Decision(significant && large, why, serving, previous, z, pValue);
    }

    /** P(Z >= z) for a standard normal Z. */
    static double upperTail(double z) {
        return 0.5 * erfc(z / Math.sqrt(2));
    }

    /** Numerical Recipes' erfcc coefficients, lowest power of t first. */
    private static final double[] ERFC = {
        -1.26551223,
        1.00002368,
        0.37409196,
        0.09678418,
        -0.18628806,
        0.27886807,
        -1.13520398,
        1.48851587,
        -0.82215223,
        0.17087277
    };

    /** The complementary error function, Chebyshev fit (Numerical Recipes' erfcc): relative error below 1.2e-7. */
    static double erfc(double x) {
        double t = 1 / (1 + 0.5 * Math.abs(x));
        double poly = 0;
        for (int i = ERFC.length - 1; i >= 0; i--) {
            poly = ERFC[i] + t * poly;
        }
        double value = t * Math.exp(-x * x + poly);
        return x >= 0 ? value : 2 - value;
    }
}

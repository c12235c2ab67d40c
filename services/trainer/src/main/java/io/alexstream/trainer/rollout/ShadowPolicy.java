package io.alexstream.trainer.rollout;

import io.alexstream.trainer.evaluation.ShadowAgreement;

/**
 * Whether a canary version's shadow answers disagree too often with the serving version's: roll back once at least
 * {@code minCompared} answers were compared and fewer than {@code minAgreement} of them agreed. Known within seconds of
 * the canary, long before labels; it only ever rolls back, as agreeing with the stable version is no sign of being
 * better. Pure logic, no state.
 */
public final class ShadowPolicy {

    /** What the policy decided, and why in words (the rollback's lineage records it). */
    public record Decision(boolean rollBack, String why) {}

    private final long minCompared;
    private final double minAgreement;

    public ShadowPolicy(long minCompared, double minAgreement) {
        if (minCompared < 1) {
            throw new IllegalArgumentException("alexstream.rollout.shadow.min-compared must be at least 1");
        }
        if (!(minAgreement >= 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("alexstream.rollout.shadow.min-agreement must lie in [0, 1]");
        }
        this.minCompared = minCompared;
        this.minAgreement = minAgreement;
    }

    public Decision decide(ShadowAgreement canary) {
        if (canary.compared() < minCompared) {
            return new Decision(
                    false,
                    String.format(
                            "too few shadow answers of version %d compared (%d, at least %d)",
                            canary.version(), canary.compared(), minCompared));
        }
        boolean below = canary.agreement() < minAgreement;
        return new Decision(
                below,
                String.format(
                        "shadow agreement %.4f of version %d with the serving version over %d compared answers "
                                + "(at least %.4f: %s)",
                        canary.agreement(), canary.version(), canary.compared(), minAgreement, below ? "no" : "yes"));
    }
}

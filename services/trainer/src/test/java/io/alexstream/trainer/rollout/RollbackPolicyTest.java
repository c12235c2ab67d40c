package io.alexstream.trainer.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alexstream.trainer.evaluation.EvaluationRecord;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The rollback decision on two versions' live figures, with z values checked by hand:
 * z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2)), p the pooled top-1.
 */
class RollbackPolicyTest {

    private final RollbackPolicy policy = new RollbackPolicy(50, 0.95, 0.05);

    private static EvaluationRecord serving(long labelled, double top1) {
        return new EvaluationRecord(3, labelled, top1, "");
    }

    private static EvaluationRecord previous(long labelled, double top1) {
        return new EvaluationRecord(2, labelled, top1, "");
    }

    @Test
    void tooFewLabelsSayNothing() {
        // a drop from 0.9 to 0.1 would be overwhelming, but 49 labels are below the minimum
        RollbackPolicy.Decision decision = policy.decide(serving(49, 0.1), previous(500, 0.9));
        assertThat(decision.rollBack()).isFalse();
        assertThat(decision.why()).contains("too few labelled answers (49 and 500, at least 50 each)");
        assertThat(policy.decide(serving(500, 0.1), previous(49, 0.9)).rollBack())
                .isFalse();
    }

    @Test
    void aSmallDropIsNoReasonEvenWhenSignificant() {
        // n 100 each, 0.80 against 0.83: pooled 0.815, error sqrt(0.815 * 0.185 * 0.02) = 0.054913, z = 0.5463
        RollbackPolicy.Decision few = policy.decide(serving(100, 0.80), previous(100, 0.83));
        assertThat(few.z()).isCloseTo(0.5463, within(1e-3));
        assertThat(few.rollBack()).isFalse();
        // n 10000 each: error 0.0054913, z = 5.463, p far below 0.05, and still only 3 points
        RollbackPolicy.Decision many = policy.decide(serving(10_000, 0.80), previous(10_000, 0.83));
        assertThat(many.z()).isCloseTo(5.463, within(1e-2));
        assertThat(many.pValue()).isLessThan(1e-6);
        assertThat(many.rollBack()).isFalse();
    }

    @Test
    void aLargeDropOnFewLabelsIsNotSignificant() {
        // n 50 each, 0.70 against 0.80: pooled 0.75, error sqrt(0.75 * 0.25 * 0.04) = 0.086603, z = 1.1547, p = 0.1241
        RollbackPolicy.Decision decision = policy.decide(serving(50, 0.70), previous(50, 0.80));
        assertThat(decision.z()).isCloseTo(1.1547, within(1e-3));
        assertThat(decision.pValue()).isCloseTo(0.1241, within(1e-3));
        assertThat(decision.rollBack()).isFalse();
    }

    @Test
    void aSignificantDropRollsBackWithItsFigures() {
        // n 100 each, 0.70 against 0.85: pooled 0.775, error sqrt(0.775 * 0.225 * 0.02) = 0.059055, z = 2.5400,
        // one-sided p = 1 - Phi(2.54) = 0.00554
        RollbackPolicy.Decision decision = policy.decide(serving(100, 0.70), previous(100, 0.85));
        assertThat(decision.rollBack()).isTrue();
        assertThat(decision.z()).isCloseTo(2.5400, within(1e-3));
        assertThat(decision.pValue()).isCloseTo(0.00554, within(1e-4));
        assertThat(decision.serving()).isEqualTo(serving(100, 0.70));
        assertThat(decision.previous()).isEqualTo(previous(100, 0.85));
        assertThat(decision.why()).contains("0.7000", "0.8500", "version 3", "version 2", "z 2.540");
    }

    @Test
    void aBetterVersionStays() {
        RollbackPolicy.Decision decision = policy.decide(serving(1000, 0.90), previous(1000, 0.80));
        assertThat(decision.z()).isNegative();
        assertThat(decision.pValue()).isGreaterThan(0.5);
        assertThat(decision.rollBack()).isFalse();
    }

    @Test
    void bothPerfectIsNoDifference() {
        RollbackPolicy.Decision decision = policy.decide(serving(100, 1.0), previous(100, 1.0));
        assertThat(decision.z()).isZero();
        assertThat(decision.rollBack()).isFalse();
    }

    @Test
    void theNormalTailMatchesTheTables() {
        assertThat(RollbackPolicy.upperTail(0)).isCloseTo(0.5, within(1e-7));
        assertThat(RollbackPolicy.upperTail(1.6449)).isCloseTo(0.05, within(1e-5));
        assertThat(RollbackPolicy.upperTail(-1.96)).isCloseTo(0.975, within(1e-5));
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThatThrownBy(() -> new RollbackPolicy(50, 1.0, 0.05)).hasMessageContaining("confidence");
        assertThatThrownBy(() -> new RollbackPolicy(0, 0.95, 0.05)).hasMessageContaining("min-labelled");
        assertThatThrownBy(() -> new RollbackPolicy(50, 0.95, -0.1)).hasMessageContaining("min-drop");
    }
}

package io.alexstream.trainer.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.trainer.evaluation.ShadowAgreement;
import org.junit.jupiter.api.Test;

/** Tier: unit. When the shadow agreement of a canary version rolls it back, and when it says too little. */
class ShadowPolicyTest {

    private final ShadowPolicy policy = new ShadowPolicy(200, 0.8);

    @Test
    void lowAgreementOverEnoughAnswersRollsBack() {
        ShadowPolicy.Decision decision = policy.decide(new ShadowAgreement(3, 250, 150));
        assertThat(decision.rollBack()).isTrue();
        assertThat(decision.why())
                .contains("shadow agreement 0.6000 of version 3")
                .contains("250 compared");
    }

    @Test
    void lowAgreementOverTooFewAnswersWaits() {
        ShadowPolicy.Decision decision = policy.decide(new ShadowAgreement(3, 199, 0));
        assertThat(decision.rollBack()).isFalse();
        assertThat(decision.why()).contains("too few shadow answers");
    }

    @Test
    void agreementAtTheBoundStays() {
        assertThat(policy.decide(new ShadowAgreement(3, 200, 160)).rollBack()).isFalse();
        assertThat(policy.decide(new ShadowAgreement(3, 200, 159)).rollBack()).isTrue();
    }

    @Test
    void nonsenseBoundsAreRefused() {
        assertThatThrownBy(() -> new ShadowPolicy(0, 0.8)).hasMessageContaining("min-compared");
        assertThatThrownBy(() -> new ShadowPolicy(200, 1.5)).hasMessageContaining("min-agreement");
    }
}

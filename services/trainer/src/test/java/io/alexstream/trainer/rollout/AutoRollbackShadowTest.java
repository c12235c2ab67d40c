package io.alexstream.trainer.rollout;

import static io.alexstream.trainer.rollout.RolloutServiceShadowTest.stub;
import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.testing.weights.SeedWeights;
import io.alexstream.trainer.config.AutoRollbackConfig;
import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.evaluation.LiveFigures;
import io.alexstream.trainer.evaluation.ShadowAgreement;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.RollbackRecord;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: unit, a real version store with versions 1 and 2 (a canary of 2 over 1) and a sync client without a network.
 * Low shadow agreement rolls the canary back at once, recorded like any automatic rollback; enough agreement, or no
 * canary, leaves everything as it is.
 */
class AutoRollbackShadowTest {

    @TempDir
    Path dataDir;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private VersionStore versions;
    private AutoRollback autoRollback;

    @BeforeEach
    void start() throws IOException {
        TrainerConfig trainer = stub(TrainerConfig.class, Map.of("dataDir", dataDir.toString()));
        versions = new VersionStore(trainer);
        ModelWeights first = SeedWeights.small(9, 100f, SeedWeights.version(1, null, Map.of()));
        versions.promote(first);
        versions.promote(SeedWeights.relabel(first, SeedWeights.version(2, 1L, Map.of())));
        RolloutConfig config = stub(
                RolloutConfig.class,
                Map.of(
                        "registrationTtl", Duration.ofMinutes(5),
                        "retryInterval", Duration.ofSeconds(10),
                        "canary",
                                stub(
                                        RolloutConfig.Canary.class,
                                        Map.of("enabled", true, "fraction", 0.0, "minLabelled", 200L)),
                        "shadow", stub(RolloutConfig.Shadow.class, Map.of("minCompared", 200L, "minAgreement", 0.8))));
        WorkerSyncClient client = new WorkerSyncClient(trainer, metrics) {
            @Override
            Answer sync(WorkerState worker, long version) {
                return new Answer(SyncOutcome.CONVERGED, version, "ok", 0);
            }
        };
        RolloutService rollout = new RolloutService(trainer, config, versions, client, metrics);
        AutoRollbackConfig rollbacks = stub(
                AutoRollbackConfig.class,
                Map.of("enabled", true, "minLabelled", 50, "confidence", 0.95, "minDrop", 0.05));
        autoRollback =
                new AutoRollback(rollbacks, config, versions, rollout, new LiveFigures(metrics, versions), metrics);
    }

    @Test
    void aCanaryThatDisagreesIsRolledBackWithoutLabels() throws IOException {
        versions.canary(Optional.of(new Canary(2, 1)));

        autoRollback.judgeShadow(Map.of(2L, new ShadowAgreement(2, 250, 150)));

        assertThat(versions.current()).isEqualTo(1);
        RollbackRecord reason = versions.rollback(2).orElseThrow();
        assertThat(reason.rolledBackTo()).isEqualTo(1);
        assertThat(reason.why()).contains("shadow agreement 0.6000 of version 2");
        assertThat(reason.shadowCompared()).isEqualTo(250);
        assertThat(reason.shadowAgreement()).isEqualTo(0.6);
        assertThat(reason.servingLabelled()).isZero();
        assertThat(metrics.counter("alexstream.trainer.auto.rollbacks").count()).isEqualTo(1.0);
    }

    @Test
    void aCanaryThatAgreesOrHasTooFewComparisonsStays() throws IOException {
        versions.canary(Optional.of(new Canary(2, 1)));

        autoRollback.judgeShadow(Map.of(2L, new ShadowAgreement(2, 250, 240)));
        autoRollback.judgeShadow(Map.of(2L, new ShadowAgreement(2, 150, 0)));

        assertThat(versions.current()).isEqualTo(2);
        assertThat(versions.rollback(2)).isEmpty();
    }

    @Test
    void withoutACanaryShadowAgreementDecidesNothing() {
        autoRollback.judgeShadow(Map.of(2L, new ShadowAgreement(2, 250, 10)));

        assertThat(versions.current()).isEqualTo(2);
    }
}

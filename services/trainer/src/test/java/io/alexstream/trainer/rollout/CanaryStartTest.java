package io.alexstream.trainer.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.testing.weights.SeedWeights;
import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain JUnit, no Quarkus boot, no worker: the moment between a promotion (a round's or a force-promote's
 * {@link VersionStore#promote}, which moves the pointer) and the start of its rollout, which records the canary. A
 * worker that registers (its heartbeat) or a reconciler pass in that moment must not get the new version: with
 * canaries on, only the canary workers may serve it before the live figures have judged it.
 */
class CanaryStartTest {

    @TempDir
    Path dir;

    /** The workers the rollout asked to Sync, with the version, in order. */
    final List<String> synced = new CopyOnWriteArrayList<>();

    @Test
    void aPromotedVersionReachesNoWorkerBeforeItsCanaryIsRecorded() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(TrainerConfig.class)
                .withMapping(RolloutConfig.class)
                .withDefaultValues(Map.of(
                        "alexstream.trainer.data-dir", dir.toString(), "alexstream.rollout.canary.enabled", "true"))
                .build();
        TrainerConfig trainer = config.getConfigMapping(TrainerConfig.class);
        VersionStore versions = new VersionStore(trainer);
        ModelWeights weights = SeedWeights.small(5, 60f, SeedWeights.version(1, null, Map.of()));
        versions.promote(weights);
        versions.promote(SeedWeights.relabel(weights, SeedWeights.version(2, 1L, Map.of())));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        RolloutService rollout = new RolloutService(
                trainer,
                config.getConfigMapping(RolloutConfig.class),
                versions,
                new WorkerSyncClient(trainer, metrics) {
                    @Override
                    Answer sync(WorkerState worker, long version) {
                        synced.add(worker.id() + "@" + version);
                        return new Answer(SyncOutcome.CONVERGED, version, "serving version " + version, 0.1);
                    }
                },
                metrics);
        assertThat(rollout.register("worker-a", "localhost:1", 2)).isEqualTo(2);
        assertThat(rollout.register("worker-b", "localhost:2", 2)).isEqualTo(2);

        // promoted; its rollout has not begun
        versions.promote(SeedWeights.relabel(weights, SeedWeights.version(3, 2L, Map.of())));
        assertThat(rollout.register("worker-b", "localhost:2", 2))
                .as("what a heartbeat in that moment is told to serve")
                .isEqualTo(2);
        assertThat(rollout.register("worker-a", "localhost:1", 2)).isEqualTo(2);
        rollout.reconcile(versions.current());
        assertThat(synced)
                .as("workers synced by a reconciler pass in that moment")
                .isEmpty();

        // the rollout: version 3 on the canary worker only
        assertThat(rollout.rollOut(3, false)).isTrue();
        assertThat(rollout.canary()).contains(new Canary(3, 2));
        assertThat(synced).containsExactly("worker-a@3");
        assertThat(rollout.register("worker-b", "localhost:2", 2)).isEqualTo(2);
        assertThat(rollout.register("worker-a", "localhost:1", 3)).isEqualTo(3);

        // rolled back: every worker is told version 2 at once
        rollout.rollBack(2);
        assertThat(rollout.register("worker-a", "localhost:1", 3)).isEqualTo(2);
        assertThat(rollout.register("worker-b", "localhost:2", 2)).isEqualTo(2);
    }
}

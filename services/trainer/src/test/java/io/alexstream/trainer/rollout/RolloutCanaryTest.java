package io.alexstream.trainer.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.Canary;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain unit, no Quarkus boot. The canary stage of a rollout on a real {@link VersionStore} in a temporary
 * directory, with workers that answer every Sync by serving the version asked for: which workers a new version goes
 * to first, what the others are told to serve, and how a canary ends (promoted, rolled back, superseded) or survives a
 * restart.
 */
class RolloutCanaryTest {

    @TempDir
    Path dataDir;

    private final List<RolloutService> started = new ArrayList<>();

    /** One Sync the rollout asked for: which worker, which version. */
    record SyncCall(String worker, long version) {}

    /** Workers that always converge on the version they are asked for; every call is recorded. */
    static final class AcceptingWorkers extends WorkerSyncClient {

        final List<SyncCall> calls = new CopyOnWriteArrayList<>();

        AcceptingWorkers(TrainerConfig config) {
            super(config, new SimpleMeterRegistry());
        }

        @Override
        Answer sync(WorkerState worker, long version) {
            calls.add(new SyncCall(worker.id(), version));
            return new Answer(SyncOutcome.CONVERGED, version, "ok", 0);
        }

        List<String> workersSyncedTo(long version) {
            return calls.stream()
                    .filter(c -> c.version() == version)
                    .map(SyncCall::worker)
                    .toList();
        }
    }

    private VersionStore versions;
    private AcceptingWorkers workers;
    private RolloutService rollout;

    @AfterEach
    void close() {
        started.forEach(RolloutService::close);
    }

    /** A (re)started trainer on {@link #dataDir}: canaries on or off, their share, and version 1 stored at least. */
    private void start(boolean canaryEnabled, double fraction) throws IOException {
        Map<String, String> properties = new HashMap<>();
        properties.put("alexstream.trainer.data-dir", dataDir.toString());
        properties.put("alexstream.rollout.canary.enabled", Boolean.toString(canaryEnabled));
        properties.put("alexstream.rollout.canary.fraction", Double.toString(fraction));
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 300))
                .withMapping(TrainerConfig.class)
                .withMapping(RolloutConfig.class)
                .build();
        TrainerConfig trainerConfig = config.getConfigMapping(TrainerConfig.class);
        versions = new VersionStore(trainerConfig);
        workers = new AcceptingWorkers(trainerConfig);
        rollout = new RolloutService(
                trainerConfig,
                config.getConfigMapping(RolloutConfig.class),
                versions,
                workers,
                new SimpleMeterRegistry());
        started.add(rollout);
        if (versions.latest() == 0) {
            versions.promote(weights(1, null));
        }
    }

    /** Registers workers {@code ids} (each at its own address) serving {@code version}. */
    private void register(long version, String... ids) {
        for (String id : ids) {
            rollout.register(id, id + ":9", version);
        }
    }

    /** Stores {@code version} (child of {@code parent}) as the current version and rolls it out as a round would. */
    private boolean promote(long version, long parent) throws IOException {
        versions.promote(weights(version, parent));
        return rollout.rollOut(version, false);
    }

    private long desired(String id) {
        WorkerState worker = rollout.workers().stream()
                .filter(w -> w.id().equals(id))
                .findFirst()
                .orElseThrow();
        return rollout.desiredFor(id, worker.servingVersion(), versions.current());
    }

    private Path canaryFile() {
        return dataDir.resolve("versions").resolve("canary");
    }

    @Test
    void aNewVersionGoesToTheFirstWorkerOnlyWhileTheOtherKeepsItsParent() throws IOException {
        start(true, 0);
        register(1, "worker-b", "worker-a");

        assertThat(promote(2, 1)).isTrue();

        assertThat(workers.calls).containsExactly(new SyncCall("worker-a", 2));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.CANARY);
        assertThat(rollout.message()).contains("worker-a").contains("keep version 1");
        assertThat(rollout.canary()).contains(new Canary(2, 1));
        assertThat(rollout.canaryWorkers()).containsExactly("worker-a");
        assertThat(canaryFile()).exists().content().isEqualTo("2 1");
        assertThat(desired("worker-a")).isEqualTo(2);
        assertThat(desired("worker-b")).isEqualTo(1);
        assertThat(rollout.register("worker-b", "worker-b:9", 1))
                .as("the stable worker, registering again, is told to keep version 1")
                .isEqualTo(1);
        assertThat(rollout.register("worker-a", "worker-a:9", 2)).isEqualTo(2);

        // the reconciler leaves the stable worker where it is
        rollout.reconcile(versions.current());
        assertThat(workers.calls).containsExactly(new SyncCall("worker-a", 2));
        assertThat(rollout.workers())
                .extracting(WorkerState::id, WorkerState::servingVersion, WorkerState::desiredVersion)
                .containsExactly(Tuple.tuple("worker-a", 2L, 2L), Tuple.tuple("worker-b", 1L, 1L));
    }

    @Test
    void promotingTheCanaryBringsItToEveryWorker() throws IOException {
        start(true, 0);
        register(1, "worker-a", "worker-b");
        promote(2, 1);

        assertThat(rollout.promoteCanary(2, "figures say so")).isTrue();

        assertThat(workers.calls).containsExactly(new SyncCall("worker-a", 2), new SyncCall("worker-b", 2));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.DONE);
        assertThat(rollout.canary()).isEmpty();
        assertThat(versions.canary()).isEmpty();
        assertThat(canaryFile()).doesNotExist();
        assertThat(desired("worker-b")).isEqualTo(2);
        assertThat(rollout.register("worker-b", "worker-b:9", 2)).isEqualTo(2);
        assertThat(rollout.promoteCanary(2, "again"))
                .as("a canary already promoted is not promoted twice")
                .isFalse();
        assertThat(workers.calls).hasSize(2);
    }

    @Test
    void aRollbackDuringTheCanaryEndsIt() throws IOException {
        start(true, 0);
        register(1, "worker-a", "worker-b");
        promote(2, 1);

        assertThat(rollout.rollBack(1)).isTrue();

        assertThat(versions.current()).isEqualTo(1);
        assertThat(rollout.canary()).isEmpty();
        assertThat(versions.canary()).isEmpty();
        assertThat(canaryFile()).doesNotExist();
        assertThat(versions.canaryPassed(2)).as("rolled back, not passed").isFalse();
        assertThat(workers.calls)
                .as("only the canary worker served version 2")
                .containsExactly(new SyncCall("worker-a", 2), new SyncCall("worker-a", 1));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.DONE);
        assertThat(desired("worker-a")).isEqualTo(1);
        assertThat(desired("worker-b")).isEqualTo(1);
        assertThat(rollout.promoteCanary(2, "too late")).isFalse();
    }

    @Test
    void aVersionPromotedDuringACanaryKeepsTheCanarysStableVersion() throws IOException {
        start(true, 0);
        register(1, "worker-a", "worker-b");
        promote(2, 1);

        promote(3, 2);

        assertThat(rollout.canary())
                .as("version 2 never reached worker-b: it keeps version 1, not 2")
                .contains(new Canary(3, 1));
        assertThat(canaryFile()).content().isEqualTo("3 1");
        assertThat(workers.workersSyncedTo(3)).containsExactly("worker-a");
        assertThat(desired("worker-b")).isEqualTo(1);
        assertThat(rollout.promoteCanary(2, "superseded"))
                .as("version 2's canary ended when version 3 replaced it")
                .isFalse();
        assertThat(workers.workersSyncedTo(2)).containsExactly("worker-a");
    }

    @Test
    void aRestartedTrainerStillSeesTheCanary() throws IOException {
        start(true, 0);
        register(1, "worker-a", "worker-b");
        promote(2, 1);

        start(true, 0);

        assertThat(versions.current()).isEqualTo(2);
        assertThat(versions.canary()).contains(new Canary(2, 1));
        assertThat(rollout.canary()).contains(new Canary(2, 1));
        assertThat(rollout.register("worker-b", "worker-b:9", 1))
                .as("the stable worker, registering with the restarted trainer")
                .isEqualTo(1);
        assertThat(rollout.register("worker-a", "worker-a:9", 2)).isEqualTo(2);
        rollout.reconcile(versions.current());
        assertThat(workers.calls).as("nobody synced after the restart").isEmpty();
        assertThat(versions.canaryPassed(2)).isFalse();
        assertThat(rollout.promoteCanary(2, "after the restart")).isTrue();
        assertThat(versions.canaryPassed(2))
                .as("recorded, so the automatic rollback does not judge it again on other traffic")
                .isTrue();
        assertThat(workers.calls).containsExactly(new SyncCall("worker-b", 2));
    }

    @Test
    void afterARestartTheStableWorkerRegisteringAloneKeepsTheStableVersion() throws IOException {
        start(true, 0);
        register(1, "worker-a", "worker-b");
        promote(2, 1);

        start(true, 0);

        assertThat(rollout.register("worker-b", "worker-b:9", 1))
                .as("alone, it is not made the canary")
                .isEqualTo(1);
        assertThat(rollout.canaryWorkers()).isEmpty();
        assertThat(rollout.register("worker-a", "worker-a:9", 1))
                .as("the first by id is the canary again once there are two")
                .isEqualTo(2);
        assertThat(rollout.register("worker-b", "worker-b:9", 1)).isEqualTo(1);
    }

    @Test
    void aFractionOfFourWorkersIsRoundedUpAndOneWorkerHasNoCanary() throws IOException {
        start(true, 0.5);
        register(1, "worker-d", "worker-c", "worker-b", "worker-a");

        promote(2, 1);

        assertThat(rollout.canaryWorkers()).containsExactly("worker-a", "worker-b");
        assertThat(workers.workersSyncedTo(2)).containsExactly("worker-a", "worker-b");
        assertThat(desired("worker-c")).isEqualTo(1);
        assertThat(desired("worker-d")).isEqualTo(1);
        assertThat(rollout.state()).isEqualTo(RolloutService.State.CANARY);
    }

    @Test
    void theCanaryShareIsRoundedUpButNeverTakesEveryWorker() throws IOException {
        start(true, 0.5);
        register(1, "worker-c", "worker-b", "worker-a");
        assertThat(rollout.canaryWorkers()).as("1.5 of 3 rounds up").containsExactly("worker-a", "worker-b");

        start(true, 1.0);
        register(1, "worker-b", "worker-a");
        assertThat(rollout.canaryWorkers())
                .as("a share of 1 still leaves one worker on the stable version")
                .containsExactly("worker-a");
    }

    @Test
    void aSingleWorkerGetsTheNewVersionWithoutACanary() throws IOException {
        start(true, 0.5);
        register(1, "worker-a");

        assertThat(promote(2, 1)).isTrue();

        assertThat(rollout.canary()).isEmpty();
        assertThat(canaryFile()).doesNotExist();
        assertThat(workers.calls).containsExactly(new SyncCall("worker-a", 2));
        assertThat(rollout.state()).isEqualTo(RolloutService.State.DONE);
    }

    @Test
    void withCanariesOffEveryWorkerGetsTheNewVersionAtOnce() throws IOException {
        start(false, 0);
        register(1, "worker-a", "worker-b");

        assertThat(promote(2, 1)).isTrue();

        assertThat(rollout.canary()).isEmpty();
        assertThat(canaryFile()).doesNotExist();
        assertThat(workers.workersSyncedTo(2)).containsExactly("worker-a", "worker-b");
        assertThat(rollout.state()).isEqualTo(RolloutService.State.DONE);
    }

    /** Zero weights of the small profile: a whole artifact the store can write and read back. */
    static ModelWeights weights(long version, Long parent) {
        AlexNetConfig config = Profiles.small();
        Map<String, float[]> variables = new LinkedHashMap<>();
        for (AlexNetGraph.VariableSpec spec : AlexNetGraph.variableSpecs(config)) {
            variables.put(spec.name(), new float[Math.toIntExact(spec.size())]);
        }
        float[] mean = new float[config.scaleSize() * config.scaleSize() * AlexNetConfig.CHANNELS];
        WeightsMetadata metadata =
                new WeightsMetadata(version, parent, "2026-12-06T00:00:00Z", Map.of(), Map.of(), List.of());
        return new ModelWeights(config, metadata, mean, variables);
    }
}

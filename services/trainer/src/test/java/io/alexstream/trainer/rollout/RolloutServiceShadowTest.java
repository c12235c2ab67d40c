package io.alexstream.trainer.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.trainer.config.RolloutConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.VersionStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: unit, a real version store on disk and a sync client that answers without a network. Shadow workers are kept
 * apart: never canary workers, never unconverged serving workers, and they serve the canary version while one runs
 * (else the current one).
 */
class RolloutServiceShadowTest {

    @TempDir
    Path dataDir;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    /** Worker id to the version it was last synced to. */
    private final Map<String, Long> synced = new ConcurrentHashMap<>();

    @Test
    void duringACanaryTheShadowWorkerServesTheCanaryAndIsNoCanaryWorker() throws IOException {
        RolloutService rollout = rollout(Optional.of("2 1"));
        // "a-shadow" sorts first: as a serving worker it would be the canary
        assertThat(rollout.register("a-shadow", "h0:1", 1, true)).isEqualTo(2);
        // a lone serving worker is no canary, so the stable one registers first here
        assertThat(rollout.register("w2", "h2:1", 1, false)).isEqualTo(1);
        assertThat(rollout.register("w1", "h1:1", 1, false)).isEqualTo(2);

        assertThat(rollout.canaryWorkers()).containsExactly("w1");
        assertThat(rollout.servingWorkers()).extracting(WorkerState::id).containsExactly("w1", "w2");
        assertThat(rollout.workers())
                .filteredOn(WorkerState::shadow)
                .extracting(WorkerState::id)
                .containsExactly("a-shadow");

        rollout.reconcile(2);
        assertThat(synced).containsOnly(Map.entry("a-shadow", 2L), Map.entry("w1", 2L));
        assertThat(rollout.workers()).allMatch(WorkerState::converged);
    }

    @Test
    void withoutACanaryTheShadowWorkerServesTheCurrentVersion() throws IOException {
        RolloutService rollout = rollout(Optional.empty());
        assertThat(rollout.register("w1", "h1:1", 2, false)).isEqualTo(2);
        assertThat(rollout.register("s1", "h9:1", 1, true)).isEqualTo(2);
    }

    @Test
    void anUnconvergedShadowWorkerIsNoUnconvergedServingWorker() throws IOException {
        RolloutService rollout = rollout(Optional.empty());
        rollout.register("w1", "h1:1", 2, false);
        rollout.register("s1", "h9:1", 1, true);

        assertThat(metrics.get("alexstream.trainer.workers.unconverged").gauge().value())
                .isZero();
    }

    @Test
    void aRolloutBringsTheShadowWorkerTheNewVersionToo() throws IOException {
        RolloutService rollout = rollout(Optional.empty());
        rollout.register("w1", "h1:1", 1, false);
        rollout.register("s1", "h9:1", 1, true);

        // one serving worker and a shadow: no canary, which needs two serving workers
        assertThat(rollout.rollOut(2, false)).isTrue();
        assertThat(rollout.canary()).isEmpty();
        assertThat(synced).containsOnly(Map.entry("w1", 2L), Map.entry("s1", 2L));
    }

    private RolloutService rollout(Optional<String> canary) throws IOException {
        Path versions = Files.createDirectories(dataDir.resolve("versions"));
        Files.writeString(versions.resolve("current"), "2");
        if (canary.isPresent()) {
            Files.writeString(versions.resolve("canary"), canary.get());
        }
        TrainerConfig trainer = stub(TrainerConfig.class, Map.of("dataDir", dataDir.toString()));
        RolloutConfig.Canary canaries =
                stub(RolloutConfig.Canary.class, Map.of("enabled", true, "fraction", 0.0, "minLabelled", 200L));
        RolloutConfig config = stub(
                RolloutConfig.class,
                Map.of(
                        "registrationTtl", Duration.ofMinutes(5),
                        "retryInterval", Duration.ofSeconds(10),
                        "canary", canaries));
        WorkerSyncClient client = new WorkerSyncClient(trainer, metrics) {
            @Override
            Answer sync(WorkerState worker, long version) {
                synced.put(worker.id(), version);
                return new Answer(SyncOutcome.CONVERGED, version, "ok", 0);
            }
        };
        return new RolloutService(trainer, config, new VersionStore(trainer), client, metrics);
    }

    /** A configuration interface answering from {@code values}, and empty for every optional key. */
    @SuppressWarnings("unchecked")
    static <T> T stub(Class<T> type, Map<String, Object> values) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            if (method.getReturnType() == Optional.class) {
                return Optional.empty();
            }
            throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
        });
    }
}

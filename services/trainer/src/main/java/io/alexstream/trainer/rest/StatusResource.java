package io.alexstream.trainer.rest;

import io.alexstream.trainer.evaluation.LiveFigures;
import io.alexstream.trainer.rollout.AutoRollback;
import io.alexstream.trainer.rollout.RolloutService;
import io.alexstream.trainer.store.VersionStore;
import io.alexstream.trainer.training.ExampleBank;
import io.alexstream.trainer.training.RoundScheduler;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/status}: examples kept, rounds run, versions with their metrics and lineage,
 * the version each worker serves, the live figures per version (late labels joined to its
 * predictions), each shadow version's agreement with the serving answers, and the automatic rollbacks with their
 * reasons. Read-only; changing anything goes
 * through the authenticated gRPC registry.
 */
@Path("/v1/status")
public class StatusResource {

    private final ExampleBank bank;
    private final VersionStore versions;
    private final RoundScheduler rounds;
    private final RolloutService rollout;
    private final LiveFigures live;
    private final AutoRollback autoRollback;

    public StatusResource(
            ExampleBank bank,
            VersionStore versions,
            RoundScheduler rounds,
            RolloutService rollout,
            LiveFigures live,
            AutoRollback autoRollback) {
        this.bank = bank;
        this.versions = versions;
        this.rounds = rounds;
        this.rollout = rollout;
        this.live = live;
        this.autoRollback = autoRollback;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("current_version", versions.current());
        status.put("activity", rounds.activity().name());
        status.put("rollout_state", rollout.state().name());
        status.put("rollout_message", rollout.message());
        status.put(
                "canary",
                rollout.canary()
                        .map(c -> Map.of(
                                "version", c.version(), "stable", c.stable(), "workers", rollout.canaryWorkers()))
                        .orElse(null));
        status.put("examples", bank.stats());
        status.put("pending_training_examples", rounds.pendingTrainingExamples());
        status.put("versions", versions.versions());
        status.put("rounds", rounds.history());
        status.put("workers", rollout.workers());
        status.put("live", live.status());
        status.put("label_outcomes", live.labelOutcomes());
        status.put("shadow", live.shadowStatus());
        status.put("last_auto_rollback", autoRollback.last().orElse(null));
        status.put("auto_rollbacks", versions.rollbacks());
        return status;
    }
}

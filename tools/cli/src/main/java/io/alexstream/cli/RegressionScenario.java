package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.alexstream.bench.TrainerStatus;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.proto.v1.RolloutStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code demo --scenario regression}: with two versions trained, live traffic and late labels establish the serving
 * version's live figures; a release manager force-promotes a deliberately bad version (the serving one with its class
 * outputs rotated by one, what a model trained on a shifted label map answers); it goes to the canary worker; late
 * labels for the live images show it wrong, and the trainer rolls it back by itself while the gRPC probe runs.
 */
public final class RegressionScenario {

    static final int BATCH = 200;
    /** Batches after the force-promote before the scenario gives up waiting for the rollback. */
    static final int MAX_BATCHES = 100;

    private final ScenarioRun run;

    RegressionScenario(ScenarioRun run) {
        this.run = run;
    }

    Map<String, Object> play() throws Exception {
        run.out().printf("%nregression: live images and late labels%n");
        long good = run.settleCanary(BATCH);
        int workers = run.stack().workers().size();
        run.step(run.next(BATCH));

        byte[] bad = rotatedClasses(run.stack().work().resolve("trainer/versions"), good);
        RolloutStatus promoted = PromoteCommand.forcePromote(
                run.trainerChannel(),
                run.stack().tokens().releaseManager(),
                bad,
                "demo --scenario regression: version " + good + " with its classes rotated by one");
        long worse = promoted.getCurrentVersion();
        run.event("force-promote of version " + worse + " (release manager)");
        run.out().printf("  %s%n", promoted.getMessage());
        if (promoted.getCanaryVersion() == worse) {
            run.event("canary: version " + worse + " on one worker, version " + promoted.getStableVersion()
                    + " on the others");
        }

        int labelsAtPromote = run.live().labelsSent();
        TrainerStatus status = run.status();
        int batches = 0;
        while (!rolledBack(status, worse) && batches++ < MAX_BATCHES) {
            // smaller steps here, so labels_until_rollback says how many it took to within 50
            status = run.step(run.next(BATCH / 4));
        }
        int labelsUntilRollback = run.live().labelsSent() - labelsAtPromote;
        JsonNode record = rollbackOf(status, worse);
        if (record != null) {
            run.event("automatic rollback of version " + worse + " to "
                    + record.path("rolledBackTo").asLong());
            run.out().printf("  why: %s%n", record.path("why").asText());
        } else {
            run.out().printf("  no rollback after %d labels%n", labelsUntilRollback);
        }
        TrainerStatus converged =
                run.await(s -> s.rolledOut(good, workers), "every worker back on version " + good, 300);
        run.event("every worker serves version " + good + " again");
        // traffic after the rollback: the ledger must close on it too
        converged = run.step(run.next(BATCH));
        // the rollback's alert fires on Prometheus' next evaluation: give it that long
        for (int i = 0; i < 15 && run.alerts().watching() && !run.alerts().fired("AlexstreamAutoRollback"); i++) {
            Thread.sleep(2000);
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "regression");
        result.put("bad_version", worse);
        result.put("auto_rollbacks", converged.json().path("auto_rollbacks").size());
        result.put("labels_until_rollback", record == null ? null : labelsUntilRollback);
        result.put(
                "rollback_evidence",
                record == null
                        ? null
                        : Map.of(
                                "bad_version_labelled",
                                        record.path("servingLabelled").asLong(),
                                "bad_version_top1",
                                        DemoSummary.round4(
                                                record.path("servingTop1").asDouble()),
                                "stable_labelled",
                                        record.path("previousLabelled").asLong(),
                                "stable_top1",
                                        DemoSummary.round4(
                                                record.path("previousTop1").asDouble()),
                                "z", DemoSummary.round4(record.path("z").asDouble())));
        result.put("alerts_fired", run.alerts().watching() ? run.alerts().fired() : "no prometheus installed");
        result.put(
                "rolled_back_on",
                record == null
                        ? null
                        : record.path("shadowCompared").asLong(0) > 0 ? "shadow agreement" : "live labels");
        result.put("shadow_workers", run.stack().shadowWorkers().size());
        result.put("shadow_agreement", ScenarioRun.shadowFigures(converged));
        result.put("failed_requests", run.probe().failed());
        result.put("probe_requests", run.probe().ok() + run.probe().failed());
        result.put("sent", run.live().acknowledged());
        result.put("lost", run.live().lost());
        result.put("duplicates", run.live().duplicates());
        result.put("serving_version", converged.currentVersion());
        result.put("live_top1", ScenarioRun.liveFigures(converged));
        return result;
    }

    static boolean rolledBack(TrainerStatus status, long version) {
        return rollbackOf(status, version) != null;
    }

    static JsonNode rollbackOf(TrainerStatus status, long version) {
        for (JsonNode record : status.json().path("auto_rollbacks")) {
            if (record.path("version").asLong() == version) {
                return record;
            }
        }
        return null;
    }

    /**
     * The stored artifact of {@code version} with fc8's outputs rotated by one class
     * ({@link #rotatedClasses(ModelWeights)}), recorded as made by the demo.
     */
    static byte[] rotatedClasses(Path versions, long version) throws Exception {
        ModelWeights weights;
        try (var in = Files.newInputStream(versions.resolve(String.format("v%06d.alxw", version)))) {
            weights = rotatedClasses(WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES));
        }
        WeightsMetadata m = weights.metadata();
        WeightsMetadata metadata = new WeightsMetadata(
                m.version(),
                m.parentVersion(),
                m.createdAt(),
                Map.of(),
                Map.of("made_by", "demo regression"),
                List.of());
        return WeightsCodec.toBytes(new ModelWeights(weights.config(), metadata, weights.mean(), weights.variables()));
    }

    /**
     * {@code weights} with fc8's outputs rotated by one class ({@code fc8/weights} is [fc7 units, classes] row-major):
     * it answers k + 1 where the original answers k, so on live traffic it is almost always wrong, while every shape
     * and checksum is valid. The system tests make their bad version with it too.
     */
    public static ModelWeights rotatedClasses(ModelWeights weights) {
        int classes = weights.config().numClasses();
        Map<String, float[]> variables = new LinkedHashMap<>(weights.variables());
        float[] w = variables.get("fc8/weights");
        float[] rotatedW = new float[w.length];
        for (int row = 0; row < w.length / classes; row++) {
            for (int c = 0; c < classes; c++) {
                rotatedW[row * classes + (c + 1) % classes] = w[row * classes + c];
            }
        }
        float[] b = variables.get("fc8/bias");
        float[] rotatedB = new float[b.length];
        for (int c = 0; c < classes; c++) {
            rotatedB[(c + 1) % classes] = b[c];
        }
        variables.put("fc8/weights", rotatedW);
        variables.put("fc8/bias", rotatedB);
        return new ModelWeights(weights.config(), weights.metadata(), weights.mean(), variables);
    }
}

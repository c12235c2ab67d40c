package io.alexstream.cli;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.bench.TrainerStatus;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.TriggerRoundRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code demo --scenario drift}: with two versions trained, live traffic and late labels establish the serving
 * version's live top-1; then the live images drift (inverted: dark garments on a light ground), its live top-1 falls,
 * the workers route the images they are unsure of to the review topic, their labels come back and become training
 * examples (source=review), the next round trains on them, its version goes to the canary and on to every worker
 * once live labels say it is not worse, and the live top-1 on the drifted traffic recovers.
 */
final class DriftScenario {

    static final int BATCH = 200;
    static final int BEFORE_BATCHES = 3;
    static final int DRIFT_STEP = 100;
    static final long DRIFT_STEP_MILLIS = 10_000;
    static final int MIN_DRIFT_STEPS = 8;
    static final int MAX_DRIFT_STEPS = 30;
    static final String DRIFT_ALERT = "AlexstreamLiveAccuracyBelowHoldout";
    /** Batches of drifted traffic after the new round before the scenario stops waiting for its canary to pass. */
    static final int MAX_RECOVERY_BATCHES = 15;

    private final ScenarioRun run;
    private final int epochs;

    DriftScenario(ScenarioRun run, int epochs) {
        this.run = run;
        this.epochs = epochs;
    }

    Map<String, Object> play() throws Exception {
        run.out().printf("%ndrift: live images and late labels first%n");
        long storedAtStart = run.status().storedExamples();
        long serving = run.settleCanary(BATCH);
        int workers = run.stack().workers().size();
        TrainerStatus status = null;
        for (int i = 0; i < BEFORE_BATCHES; i++) {
            status = run.step(run.next(BATCH));
        }
        double[] beforeDrift = figures(status, serving);
        int reviewedBefore = run.live().reviewed().size();

        run.event("drift: live images arrive inverted");
        List<Sample> drifted = new ArrayList<>();
        long driftStarted = System.nanoTime();
        // a steady stream, as traffic is, until the drift alert fires (or 4 minutes with no Prometheus to ask)
        for (int i = 0; i < MAX_DRIFT_STEPS; i++) {
            long stepStarted = System.nanoTime();
            List<Sample> batch = inverted(run.next(DRIFT_STEP));
            drifted.addAll(batch);
            status = run.step(batch);
            double seconds = (System.nanoTime() - driftStarted) / 1e9;
            boolean alerted = run.alerts().fired(DRIFT_ALERT);
            if (i + 1 >= MIN_DRIFT_STEPS && (alerted || !run.alerts().watching() || seconds > 240)) {
                break;
            }
            long rest = DRIFT_STEP_MILLIS - (System.nanoTime() - stepStarted) / 1_000_000;
            if (rest > 0) {
                Thread.sleep(rest);
            }
        }
        double[] inDrift = figures(status, serving);
        double top1InDrift = (inDrift[1] - beforeDrift[1]) / Math.max(1, inDrift[0] - beforeDrift[0]);
        Set<String> driftIds = new java.util.HashSet<>();
        drifted.forEach(s -> driftIds.add(s.id()));
        run.live().drain();
        long routed = run.live().reviewed().stream().filter(driftIds::contains).count();
        run.event(routed + " uncertain drifted images routed to review and labelled");

        // the labels of the reviewed images came back with the others: the evaluator made them training examples
        long reviewedAll = run.live().reviewed().size();
        TrainerStatus stored;
        try {
            stored = run.await(
                    s -> s.storedExamples() >= storedAtStart + reviewedAll,
                    "the trainer to store the reviewed images",
                    120);
        } catch (IllegalStateException e) {
            // the round trains on what did arrive; the figure below says how many
            stored = run.status();
        }
        long reviewExamples = stored.storedExamples() - storedAtStart;
        run.out().printf("  the trainer stores %d reviewed images, labelled, as training examples%n", reviewExamples);

        long next = trainRound(serving);
        Map<String, Object> result = new LinkedHashMap<>();
        double recovered = Double.NaN;
        if (next > serving) {
            run.event("round trained on the reviewed images promoted version " + next + " (canary first)");
            int batches = 0;
            TrainerStatus now = run.status();
            while (!now.rolledOut(next, workers) && batches++ < MAX_RECOVERY_BATCHES) {
                now = run.step(inverted(run.next(BATCH)));
            }
            if (now.rolledOut(next, workers)) {
                run.event("canary passed: every worker serves version " + next);
                // one more batch on every worker, so the recovered figure is not only the canary's
                now = run.step(inverted(run.next(BATCH)));
            }
            double[] after = figures(now, next);
            recovered = after[0] > 0 ? after[1] / after[0] : Double.NaN;
            result.put("recovered_version", next);
            result.put("recovered_labelled", (long) after[0]);
            result.put("recovered_everywhere", now.rolledOut(next, workers));
            status = now;
        } else {
            run.out().println("  no round promoted a version: the gate rejected every candidate");
        }

        result.put("scenario", "drift");
        result.put("drifted_version", serving);
        result.put("review_routed", routed);
        result.put("review_routed_before_drift", reviewedBefore);
        result.put("review_examples_stored", reviewExamples);
        result.put("live_top1_before_drift", DemoSummary.round4(beforeDrift[1] / Math.max(1, beforeDrift[0])));
        result.put("live_top1_in_drift", DemoSummary.round4(top1InDrift));
        result.put("live_top1_recovered", Double.isNaN(recovered) ? null : DemoSummary.round4(recovered));
        result.put("alerts_fired", run.alerts().watching() ? run.alerts().fired() : "no prometheus installed");
        result.put("failed_requests", run.probe().failed());
        result.put("sent", run.live().acknowledged());
        result.put("lost", run.live().lost());
        result.put("duplicates", run.live().duplicates());
        result.put("live_top1", ScenarioRun.liveFigures(status));
        return result;
    }

    /** Triggers rounds (three at most, as the demo does) until one promotes; returns the current version then. */
    private long trainRound(long serving) throws Exception {
        ModelRegistryGrpc.ModelRegistryBlockingStub registry = ModelRegistryGrpc.newBlockingStub(run.trainerChannel())
                .withCallCredentials(new BearerCredentials(run.stack().tokens().operator()));
        for (int attempt = 1; attempt <= 3; attempt++) {
            int roundsBefore = run.status().roundCount();
            run.out()
                    .printf(
                            "  round %d: %s%n",
                            roundsBefore + 1,
                            registry.triggerRound(TriggerRoundRequest.newBuilder()
                                            .setEpochs(epochs)
                                            .build())
                                    .getMessage());
            TrainerStatus after = run.await(s -> s.roundCount() > roundsBefore && s.idle(), "the round to finish", 900);
            run.out().printf("  %s%n", after.lastRound().path("decision").asText());
            if (after.currentVersion() > serving) {
                return after.currentVersion();
            }
        }
        return serving;
    }

    /** {labelled, correct} of one version's live figures. */
    private static double[] figures(TrainerStatus status, long version) {
        var row = status.json().path("live").path(Long.toString(version));
        double labelled = row.path("labelled").asDouble();
        return new double[] {labelled, labelled * row.path("top1").asDouble()};
    }

    private static List<Sample> inverted(List<Sample> batch) {
        return batch.stream()
                .map(s -> new Sample("drift-" + s.id(), s.label(), Images.invertedPng(s.png())))
                .toList();
    }
}

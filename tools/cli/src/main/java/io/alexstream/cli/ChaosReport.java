package io.alexstream.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verdict of a {@code chaos} run as one map (the {@code --json} line) and as text: per
 * input answered / dead-lettered / lost / duplicated, per hostile class its outcome against
 * what a correct service does, the labelled images the trainer stored, the faults by kind,
 * whether the rollout converged, and every secret seen where it should not be.
 */
final class ChaosReport {

    private ChaosReport() {}

    /** What the run observed, gathered by {@link ChaosCommand}. */
    record Observed(
            double minutes,
            String target,
            boolean exactlyOnce,
            double rate,
            long brokerPauseSeconds,
            ChaosLedger ledger,
            List<HostileRecords.Hostile> hostile,
            long labeledAcknowledged,
            long storedBefore,
            long storedAfter,
            Map<String, Integer> faults,
            List<String> faultLog,
            Map<String, String> badPushes,
            ChaosTargets.Convergence convergence,
            List<String> secretsSeen,
            long trapCalls,
            Map<String, Integer> restarts,
            long ingestSkipped,
            List<String> notes) {}

    static Map<String, Object> build(Observed o) {
        ChaosLedger.Tally all = o.ledger().tally();
        Map<String, Object> hostile = new LinkedHashMap<>();
        for (HostileRecords.Hostile h : o.hostile()) {
            String outcome = o.ledger().outcome(h.id());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("expected", h.expect().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            row.put("outcome", outcome);
            row.put("as_expected", asExpected(h.expect(), outcome));
            hostile.put(h.kind(), row);
        }
        // by count, since the store cannot be asked by id: a long-id record that was stored (a correct outcome) could
        // hide one
        // lost labelled image; subtracting it instead would count a loss whenever it went elsewhere. A trainer that
        // does not
        // answer at the end has shown nothing stored.
        long storedDelta = o.storedAfter() < 0 || o.storedBefore() < 0 ? -1 : o.storedAfter() - o.storedBefore();
        long labeledLost =
                storedDelta < 0 ? o.labeledAcknowledged() : Math.max(0, o.labeledAcknowledged() - storedDelta);
        Map<String, Object> labeled = new LinkedHashMap<>();
        labeled.put("acknowledged", o.labeledAcknowledged());
        labeled.put("stored_before", o.storedBefore());
        labeled.put("stored_after", o.storedAfter());
        labeled.put("lost", labeledLost);

        Map<String, Object> routes = new LinkedHashMap<>();
        o.ledger().byRoute().forEach((route, tally) -> {
            if (!route.startsWith("hostile:")) {
                routes.put(route, tally.toMap());
            }
        });

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("minutes", o.minutes());
        r.put("target", o.target());
        r.put("exactly_once", o.exactlyOnce());
        r.put("rate_images_per_s", o.rate());
        r.put("sent", all.sent());
        r.put("acknowledged", all.acknowledged());
        r.put("unacknowledged", all.unacknowledged());
        r.put("ingest_skipped_busy", o.ingestSkipped());
        r.put("answered", all.answered());
        r.put("dead_lettered", all.deadLettered());
        r.put("lost", all.lost() + labeledLost);
        r.put("duplicates", all.duplicates());
        r.put("routes", routes);
        r.put("hostile", hostile);
        r.put("labeled", labeled);
        r.put("faults", o.faults());
        r.put("fault_log", o.faultLog());
        r.put("bad_pushes", o.badPushes());
        r.put("broker_pause_seconds", o.brokerPauseSeconds());
        r.put("converged", o.convergence().converged());
        r.put("trainer_version", o.convergence().trainerVersion());
        r.put("worker_versions", o.convergence().served());
        r.put("workers_unreachable", o.convergence().unreachable());
        r.put("secrets_leaked", o.secretsSeen().size());
        r.put("secrets_seen", o.secretsSeen());
        r.put("trap_calls", o.trapCalls());
        r.put("restarts", o.restarts());
        r.put("foreign_outputs", o.ledger().foreignOutputs());
        r.put("notes", o.notes());
        return r;
    }

    private static boolean asExpected(HostileRecords.Expect expect, String outcome) {
        if (outcome.contains("duplicated")) {
            return false;
        }
        return switch (expect) {
            case ANSWER -> outcome.equals("answered");
            case DEAD_LETTER -> outcome.startsWith("dead-lettered");
            case STORE_OR_DEAD_LETTER -> outcome.equals("silent") || outcome.startsWith("dead-lettered");
        };
    }

    /**
     * 1 when anything acknowledged was lost, the workers do not serve the trainer's version, or (exactly-once) an input
     * was duplicated.
     */
    static int exitCode(Map<String, Object> report) {
        boolean lost = ((Number) report.get("lost")).longValue() > 0;
        boolean converged = (Boolean) report.get("converged");
        boolean duplicated =
                (Boolean) report.get("exactly_once") && ((Number) report.get("duplicates")).longValue() > 0;
        // a credential where it does not belong fails the run like a lost image
        boolean leaked = report.get("secrets_leaked") instanceof Number n && n.longValue() > 0;
        return lost || !converged || duplicated || leaked ? 1 : 0;
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> r, PrintStream out) {
        out.println();
        out.printf(
                Locale.ROOT,
                "chaos, %s min against %s%s:%n",
                r.get("minutes"),
                r.get("target"),
                (Boolean) r.get("exactly_once") ? " (exactly-once workers)" : "");
        out.printf(
                Locale.ROOT,
                "  inputs: sent %s, acknowledged %s, answered %s, dead-lettered %s, LOST %s, duplicated %s%n",
                r.get("sent"),
                r.get("acknowledged"),
                r.get("answered"),
                r.get("dead_lettered"),
                r.get("lost"),
                r.get("duplicates"));
        ((Map<String, Map<String, Object>>) r.get("routes")).forEach((route, t) -> {
            if (!route.equals(ChaosStream.LABELED_ROUTE)) {
                out.printf(
                        Locale.ROOT,
                        "    %-8s sent %s, acknowledged %s, answered %s, dead-lettered %s, lost %s, duplicated %s%n",
                        route,
                        t.get("sent"),
                        t.get("acknowledged"),
                        t.get("answered"),
                        t.get("dead_lettered"),
                        t.get("lost"),
                        t.get("duplicates"));
            }
        });
        Map<String, Object> labeled = (Map<String, Object>) r.get("labeled");
        out.printf(
                Locale.ROOT,
                "    labelled %s acknowledged, trainer's store %s -> %s, lost %s%n",
                labeled.get("acknowledged"),
                labeled.get("stored_before"),
                labeled.get("stored_after"),
                labeled.get("lost"));
        out.println("  hostile records:");
        ((Map<String, Map<String, Object>>) r.get("hostile"))
                .forEach((kind, h) -> out.printf(
                        Locale.ROOT,
                        "    %-22s %-5s expected %s, got %s%n",
                        kind,
                        (Boolean) h.get("as_expected") ? "ok" : "WRONG",
                        h.get("expected"),
                        h.get("outcome")));
        out.println("  faults: " + r.get("faults"));
        for (String line : (List<String>) r.get("fault_log")) {
            out.println("    " + line);
        }
        out.println("  restarts by the supervisor: " + r.get("restarts"));
        out.printf(
                Locale.ROOT,
                "  rollout: trainer at version %s, workers serve %s%s -> converged %s%n",
                r.get("trainer_version"),
                r.get("worker_versions"),
                ((List<String>) r.get("workers_unreachable")).isEmpty()
                        ? ""
                        : ", unreachable " + r.get("workers_unreachable"),
                r.get("converged"));
        List<String> secrets = new ArrayList<>((List<String>) r.get("secrets_seen"));
        out.printf(
                Locale.ROOT,
                "  secrets seen where they should not be: %s%s%n",
                secrets.isEmpty() ? "none" : secrets,
                " (the fake worker got " + r.get("trap_calls") + " calls)");
        for (String note : (List<String>) r.get("notes")) {
            out.println("  note: " + note);
        }
    }
}

package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.alexstream.bench.TrainerStatus;
import io.alexstream.local.ServiceProcess;
import io.grpc.ManagedChannel;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a demo scenario plays on: the running stack after its first two versions, the live traffic (images, late
 * labels, review copies), the gRPC probe, the trainer's status and the timeline the report draws. Test images are
 * handed out once each, in order, so every live image has a new id.
 */
final class ScenarioRun implements AutoCloseable {

    private final LocalStack stack;
    private final Dataset data;
    private final ManagedChannel trainerChannel;
    private final PrintStream out;
    private final long started;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final LiveTraffic live;
    private final ClassifyProbe probe;
    private final ScenarioTimeline timeline;
    private final ScenarioAlerts alerts;
    private final Iterator<Sample> unused;

    ScenarioRun(LocalStack stack, Dataset data, ManagedChannel trainerChannel, PrintStream out, long started)
            throws java.io.IOException {
        this.stack = stack;
        this.data = data;
        this.trainerChannel = trainerChannel;
        this.out = out;
        this.started = started;
        this.live = new LiveTraffic(
                stack.bootstrapServers(),
                stack.ingest().uri("/"),
                stack.tokens().labeller());
        this.probe = new ClassifyProbe(
                stack.workers().stream().map(ServiceProcess::grpcPort).toList(),
                data.test().get(0).png());
        this.timeline = new ScenarioTimeline(started);
        // beside the stack's ports, away from a Prometheus of the user's own on 9090
        this.alerts = ScenarioAlerts.start(
                stack, stack.options().basePort() + 1019, started, name -> event("alert " + name + " fires"));
        this.unused = data.test().iterator();
    }

    /** The next {@code n} test images nobody has seen yet. */
    List<Sample> next(int n) {
        List<Sample> batch = new java.util.ArrayList<>(n);
        while (batch.size() < n && unused.hasNext()) {
            batch.add(unused.next());
        }
        if (batch.size() < n) {
            throw new IllegalStateException("the test split ran out of images: pass a larger --test");
        }
        return batch;
    }

    /**
     * One step of live traffic: the batch is classified, then labelled (late, after its answers), and the live
     * figures sampled once the evaluator has counted those labels. Returns the status it sampled.
     */
    TrainerStatus step(List<Sample> batch) throws Exception {
        live.classify(batch);
        live.label(batch);
        long expected = live.labelsSent();
        TrainerStatus status;
        try {
            // the evaluator joins within seconds; a label it cannot join still counts in its outcomes
            status = await(s -> labelOutcomes(s) >= expected, "the evaluator to count the labels", 60);
        } catch (IllegalStateException e) {
            status = status();
            out.println("  (the evaluator had not counted every label yet; sampled anyway)");
        }
        timeline.sample(status);
        return status;
    }

    /**
     * Live traffic and labels until no canary runs: the last trained version, on its canary worker, is judged against
     * the version before it on live labels and goes to every worker (or is rolled back). Returns the version every
     * worker then serves.
     */
    long settleCanary(int batch) throws Exception {
        TrainerStatus status = status();
        int workers = stack.workers().size();
        if (status.json().path("canary").isObject()) {
            long version = status.json().path("canary").path("version").asLong();
            event("canary: version " + version + " on one worker, live labels decide");
            for (int i = 0; i < 15 && status.json().path("canary").isObject(); i++) {
                status = step(next(batch));
            }
        }
        long current = status.currentVersion();
        await(s -> s.rolledOut(current, workers), "every worker to serve version " + current, 180);
        event("every worker serves version " + current);
        return current;
    }

    /** Labels the evaluator has decided on so far: joined, duplicate, unknown, out of window, ... */
    static long labelOutcomes(TrainerStatus status) {
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        status.json().path("label_outcomes").fields();
                it.hasNext(); ) {
            total += it.next().getValue().asLong();
        }
        return total;
    }

    /** Live top-1 and labelled answers per version, as the trainer's status shows them. */
    static Map<String, Map<String, Object>> liveFigures(TrainerStatus status) {
        Map<String, Map<String, Object>> figures = new LinkedHashMap<>();
        status.json().path("live").fields().forEachRemaining(e -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("top1", DemoSummary.round4(e.getValue().path("top1").asDouble()));
            row.put("labelled", e.getValue().path("labelled").asLong());
            figures.put(e.getKey(), row);
        });
        return figures;
    }

    /** Per shadow version: answers compared with the serving ones, and the share that agreed. */
    static Map<String, Map<String, Object>> shadowFigures(TrainerStatus status) {
        Map<String, Map<String, Object>> figures = new LinkedHashMap<>();
        status.json().path("shadow").fields().forEachRemaining(e -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("compared", e.getValue().path("compared").asLong());
            row.put(
                    "agreement",
                    DemoSummary.round4(e.getValue().path("agreement").asDouble()));
            figures.put(e.getKey(), row);
        });
        return figures;
    }

    synchronized void event(String what) {
        timeline.event(what);
        out.printf(Locale.ROOT, "  [%5.0f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    TrainerStatus status() throws Exception {
        return TrainerStatus.fetch(http, stack.trainer());
    }

    TrainerStatus await(Predicate<TrainerStatus> condition, String what, int seconds) throws Exception {
        return TrainerStatus.await(
                http, stack.trainer(), condition, what, Duration.ofSeconds(seconds), Duration.ofMillis(500));
    }

    LocalStack stack() {
        return stack;
    }

    Dataset data() {
        return data;
    }

    ManagedChannel trainerChannel() {
        return trainerChannel;
    }

    PrintStream out() {
        return out;
    }

    LiveTraffic live() {
        return live;
    }

    ClassifyProbe probe() {
        return probe;
    }

    ScenarioAlerts alerts() {
        return alerts;
    }

    ScenarioTimeline timeline() {
        return timeline;
    }

    @Override
    public void close() throws Exception {
        probe.close();
        live.close();
        alerts.close();
    }
}

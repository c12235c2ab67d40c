package io.alexstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.local.ServiceProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The trainer's {@code GET /v1/status}, parsed: stored examples, versions, rounds, rollout and workers, as the bench
 * and the demo wait on them. A figure that is absent reads as NaN. Polling fails fast, quoting the trainer's log, when
 * the trainer died.
 */
public record TrainerStatus(JsonNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The bench's wait: 10 minutes at most, polled seldom (every request is work beside the measured steps). */
    static TrainerStatus await(HttpClient http, ServiceProcess trainer, Predicate<TrainerStatus> condition, String what)
            throws Exception {
        return await(http, trainer, condition, what, Duration.ofMinutes(10), Duration.ofSeconds(2));
    }

    /**
     * Polls every {@code every} until {@code condition} holds; fails after {@code timeout} or when the trainer died.
     */
    public static TrainerStatus await(
            HttpClient http,
            ServiceProcess trainer,
            Predicate<TrainerStatus> condition,
            String what,
            Duration timeout,
            Duration every)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        TrainerStatus status = new TrainerStatus(JSON.missingNode());
        while (System.nanoTime() < deadline) {
            status = fetch(http, trainer);
            if (condition.test(status)) {
                return status;
            }
            if (!trainer.isAlive()) {
                throw new IllegalStateException(
                        "the trainer stopped while waiting for " + what + ":\n" + trainer.logTail());
            }
            Thread.sleep(every.toMillis());
        }
        throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what + "; trainer status "
                + status.json() + "\n" + trainer.logTail());
    }

    /** One {@code GET /v1/status}. */
    public static TrainerStatus fetch(HttpClient http, ServiceProcess trainer) throws Exception {
        String body = http.send(
                        HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return new TrainerStatus(JSON.readTree(body));
    }

    public long storedExamples() {
        return json.path("examples").path("stored").asLong();
    }

    public long currentVersion() {
        return json.path("current_version").asLong();
    }

    public int roundCount() {
        return json.path("rounds").size();
    }

    /** The newest round's record (a missing node before the first). */
    public JsonNode lastRound() {
        return json.path("rounds").path(roundCount() - 1);
    }

    /** No round runs. */
    public boolean idle() {
        return "IDLE".equals(json.path("activity").asText());
    }

    /** The rollout is done and at least {@code workers} workers serve {@code version}. */
    public boolean rolledOut(long version, int workers) {
        int serving = 0;
        for (JsonNode worker : json.path("workers")) {
            if (worker.path("servingVersion").asLong() == version) {
                serving++;
            }
        }
        return serving >= workers && "DONE".equals(json.path("rollout_state").asText());
    }

    /** A canary of {@code version} runs and at least one worker serves it. */
    public boolean canaryServes(long version) {
        return json.path("canary").path("version").asLong() == version
                && "CANARY".equals(json.path("rollout_state").asText())
                && aWorkerServes(version);
    }

    public boolean rolloutFailed() {
        return "FAILED".equals(json.path("rollout_state").asText());
    }

    public String rolloutMessage() {
        return json.path("rollout_message").asText();
    }

    /** Some worker's last push from the trainer succeeded. */
    boolean aPushSucceeded() {
        for (JsonNode worker : json.path("workers")) {
            if ("ok".equals(worker.path("lastPushResult").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Some worker serves {@code version}. */
    public boolean aWorkerServes(long version) {
        for (JsonNode worker : json.path("workers")) {
            if (worker.path("servingVersion").asLong(-1) == version) {
                return true;
            }
        }
        return false;
    }

    /** No round runs and no rollout is under way. */
    boolean idleAndNotRollingOut() {
        return idle() && !"ROLLING_OUT".equals(json.path("rollout_state").asText());
    }

    boolean hasRound() {
        return json.path("rounds").size() > 0;
    }

    /** Seconds of the last push to the first worker (the bench runs one). */
    double lastPushSeconds() {
        return number(json.path("workers").path(0).path("lastPushSeconds"));
    }

    /** Images/s of the first round's whole training phase (warm-up and validation passes included). */
    double roundImagesPerSecond() {
        return number(firstRound().path("imagesPerSecond"));
    }

    /** Images/s of the first round's training steps after its first check: comparable with the bare engine's. */
    double steadyImagesPerSecond() {
        return number(firstRound().path("steadyImagesPerSecond"));
    }

    double trainingSteps() {
        return number(firstRound().path("trainingSteps"));
    }

    private JsonNode firstRound() {
        return json.path("rounds").path(0);
    }

    private static double number(JsonNode node) {
        return node.isNumber() ? node.asDouble() : Double.NaN;
    }
}

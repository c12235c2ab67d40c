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
 * The trainer's {@code GET /v1/status}, parsed: whether a worker took a push and which version it serves, whether a
 * round or a rollout is under way, and the first round's figures. A figure that is absent reads as NaN.
 */
record TrainerStatus(JsonNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Polls until {@code condition} holds (10 minutes at most); fails quoting the trainer's log when it died. */
    static TrainerStatus await(HttpClient http, ServiceProcess trainer, Predicate<TrainerStatus> condition, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        TrainerStatus status = new TrainerStatus(JSON.missingNode());
        while (System.nanoTime() < deadline) {
            String body = http.send(
                            HttpRequest.newBuilder(trainer.uri("/v1/status")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            status = new TrainerStatus(JSON.readTree(body));
            if (condition.test(status)) {
                return status;
            }
            if (!trainer.isAlive()) {
                throw new IllegalStateException("the trainer died waiting for " + what + ":\n" + trainer.logTail());
            }
            // seldom: every status request is work the measured trainer does beside its training steps
            Thread.sleep(2000);
        }
        throw new IllegalStateException(
                "no " + what + " in 10 minutes; status " + status.json() + "\n" + trainer.logTail());
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
    boolean aWorkerServes(long version) {
        for (JsonNode worker : json.path("workers")) {
            if (worker.path("servingVersion").asLong(-1) == version) {
                return true;
            }
        }
        return false;
    }

    /** No round runs and no rollout is under way. */
    boolean idleAndNotRollingOut() {
        return "IDLE".equals(json.path("activity").asText())
                && !"ROLLING_OUT".equals(json.path("rollout_state").asText());
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

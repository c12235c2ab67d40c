package io.alexstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tier: component with a real broker that lacks three of the evaluator's topics (predictions, labels, images.review),
 * the evaluator on: {@code /q/health/group/evaluator} is DOWN and names them, {@code alexstream_evaluation_running} is
 * 0, and the trainer stays ready and live: its registry and training do not need the evaluator.
 */
@QuarkusTest
@TestProfile(EvaluatorHealthTest.EvaluatorOn.class)
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
class EvaluatorHealthTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** The evaluator on, as in production, retrying every second. */
    public static class EvaluatorOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "alexstream.evaluation.enabled", "true",
                    "alexstream.evaluation.restart-backoff", "PT1S");
        }
    }

    @Test
    void missingTopicsTakeTheEvaluatorDownButNotTheTrainer() throws Exception {
        Response health = awaitReason("topics missing");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.jsonPath().getString("checks[0].data.reason"))
                .startsWith("topics missing: images.review, labels, predictions ");
        assertThat(health.jsonPath().getString("checks[0].data.last_failure")).startsWith("source topic missing");

        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/group/evaluator")
                .then()
                .body("checks[0].name", equalTo("evaluator"))
                .body("checks[0].data.state", equalTo("ERROR"));
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("(?m)^alexstream_evaluation_running(\\{[^}]*\\})? 0(\\.0)?$");
        assertThat(metrics).containsPattern("(?m)^alexstream_evaluation_restarts_total(\\{[^}]*\\})? ");
        assertThat(metrics)
                .as("the outcome counters exist before the first label")
                .containsPattern("(?m)^alexstream_evaluation_labels_total\\{[^}]*outcome=\"joined\"[^}]*\\} 0(\\.0)?$");
    }

    private static Response awaitReason(String prefix) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        Response last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().get("/q/health/group/evaluator");
            String reason = last.jsonPath().getString("checks[0].data.reason");
            if (reason != null && reason.startsWith(prefix)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no evaluator health with reason " + prefix + " within " + PATIENCE + ": "
                + (last == null ? null : last.asString()));
    }
}

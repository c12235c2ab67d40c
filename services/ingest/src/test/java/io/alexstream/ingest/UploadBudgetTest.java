package io.alexstream.ingest;

import static io.alexstream.testing.images.EncodedImages.png;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tier: component with a real broker. Uploads past ingest's memory budget are answered 503 BUSY
 * (JSON, Retry-After) before their bodies are read, and the budget is whole again once the
 * responses end: a small upload after them is accepted.
 */
@QuarkusTest
@TestProfile(UploadBudgetTest.SmallBudget.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class UploadBudgetTest {

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("alexstream.ingest.max-bytes-in-flight", Long.toString(64 << 10));
        }
    }

    @Test
    void anUploadPastTheBudgetIsBusyAndTheBudgetComesBack() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            given().contentType("application/octet-stream")
                    .body(new byte[200 << 10])
                    .when()
                    .post("/v1/images")
                    .then()
                    .statusCode(503)
                    .header("Retry-After", "1")
                    .body("reason", equalTo("BUSY"));
        }
        given().contentType("image/png")
                .body(png(16, 16))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202);
    }
}

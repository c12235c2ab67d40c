package io.alexstream.ingest;

import static io.restassured.RestAssured.given;

import io.alexstream.testing.metrics.PrometheusText;

/** The running ingest's metrics, for the component tests that assert them. */
final class IngestScrape {

    private IngestScrape() {}

    /** The value of one series on {@code /q/metrics} now, 0 when it is not there yet. */
    static double metric(String series) {
        String exposition = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return PrometheusText.value(exposition, series);
    }
}

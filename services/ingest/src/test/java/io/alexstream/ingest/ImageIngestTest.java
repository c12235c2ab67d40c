package io.alexstream.ingest;

import static io.alexstream.testing.images.EncodedImages.encode;
import static io.alexstream.testing.images.EncodedImages.jpeg;
import static io.alexstream.testing.images.EncodedImages.png;
import static io.alexstream.testing.images.HostileImages.bmpDeclaring;
import static io.alexstream.testing.images.HostileImages.gifDeclaring;
import static io.alexstream.testing.images.HostileImages.pngHeaderOnly;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.alexstream.contracts.Headers;
import io.alexstream.testing.kafka.RecordHeaders;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker (the in-process KRaft node of kafka-local). What a
 * client sends over HTTP lands on the right topic, keyed by the returned id, byte for byte;
 * refusals, the framework's and the labeller check's included, are JSON problems and publish nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class ImageIngestTest {

    @Test
    void rawImageIsPublishedToTheImagesTopicAfterTheBrokerAcknowledges() throws Exception {
        byte[] png = png(32, 24);
        String id = given().contentType("image/png")
                .header("X-Correlation-Id", "corr-7")
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202)
                .body("ids", hasSize(1))
                .body("topic", equalTo("images"))
                .extract()
                .path("ids[0]");
        ConsumerRecord<String, byte[]> record = find(KafkaBrokerResource.IMAGES_TOPIC, id);
        assertThat(record.value()).isEqualTo(png);
        assertThat(RecordHeaders.text(record, Headers.CONTENT_TYPE)).isEqualTo("image/png");
        assertThat(RecordHeaders.text(record, Headers.IMAGE_ID)).isEqualTo(id);
        assertThat(RecordHeaders.text(record, Headers.CORRELATION_ID)).isEqualTo("corr-7");
    }

    @Test
    void labelledMultipartImagesGoToTheLabeledTopic() throws Exception {
        byte[] first = png(10, 10);
        byte[] second = jpeg(20, 12);
        List<String> ids = given().multiPart("file", "a.png", first, "image/png")
                .multiPart("file", "b.jpg", second, "image/jpeg")
                .multiPart("label", "Sneaker")
                .header("Authorization", "Bearer " + labellerToken())
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202)
                .body("ids", hasSize(2))
                .body("topic", equalTo("images.labeled"))
                .extract()
                .path("ids");
        ConsumerRecord<String, byte[]> a = find(KafkaBrokerResource.LABELED_TOPIC, ids.get(0));
        ConsumerRecord<String, byte[]> b = find(KafkaBrokerResource.LABELED_TOPIC, ids.get(1));
        assertThat(a.value()).isEqualTo(first);
        assertThat(b.value()).isEqualTo(second);
        assertThat(RecordHeaders.text(a, Headers.LABEL)).isEqualTo("Sneaker");
        assertThat(RecordHeaders.text(b, Headers.CONTENT_TYPE)).isEqualTo("image/jpeg");
    }

    @Test
    void labelledUploadsNeedTheLabellerTokenAndUnlabelledOnesNothing() throws Exception {
        double labeledBefore = IngestScrape.metric("alexstream_ingest_images_accepted_total{topic=\"images.labeled\"}");
        byte[] png = png(12, 12);
        given().contentType("image/png")
                .queryParam("label", "Boot")
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(401)
                .contentType(containsString("json"))
                .header("WWW-Authenticate", equalTo("Bearer"))
                .body("reason", equalTo("UNAUTHENTICATED"));
        given().contentType("image/png")
                .queryParam("label", "Boot")
                .header("Authorization", "Bearer " + labellerToken() + "x")
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("reason", equalTo("UNAUTHENTICATED"));
        given().multiPart("file", "a.png", png, "image/png")
                .multiPart("label", "Boot")
                .when()
                .post("/v1/images")
                .then()
                .statusCode(401)
                .body("reason", equalTo("UNAUTHENTICATED"));
        assertThat(IngestScrape.metric("alexstream_ingest_images_accepted_total{topic=\"images.labeled\"}"))
                .isEqualTo(labeledBefore);

        String id = given().contentType("image/png")
                .queryParam("label", "Boot")
                .header("Authorization", "Bearer " + labellerToken())
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202)
                .body("topic", equalTo("images.labeled"))
                .extract()
                .path("ids[0]");
        assertThat(RecordHeaders.text(find(KafkaBrokerResource.LABELED_TOPIC, id), Headers.LABEL))
                .isEqualTo("Boot");
        given().contentType("image/png")
                .queryParam("label", " ")
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202)
                .body("topic", equalTo("images"));
    }

    @Test
    void aBmpHeaderThatAsksForGigabytesIsAJsonProblemNotA500() {
        // compression 0 (BI_RGB) is what the issue reported; 4 (BI_JPEG) makes JDK 17's reader allocate the 2 GiB it
        // claims
        for (int compression : new int[] {0, 4}) {
            given().contentType("image/bmp")
                    .body(bmpDeclaring(0x7FFFFFF0, compression))
                    .when()
                    .post("/v1/images")
                    .then()
                    .statusCode(anyOf(equalTo(400), equalTo(413)))
                    .contentType(containsString("json"))
                    .body("reason", notNullValue());
        }
    }

    @Test
    void requestsTheFrameworkCannotReadAreJsonProblemsToo() {
        given().header("Content-Type", "%%%")
                .body(new byte[] {1, 2})
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415)
                .contentType(containsString("json"))
                .body("reason", equalTo("UNSUPPORTED_CONTENT_TYPE"));
        byte[] truncated = ("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nabc")
                .getBytes(StandardCharsets.US_ASCII);
        given().header("Content-Type", "multipart/form-data; boundary=xyz")
                .body(truncated)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400)
                .contentType(containsString("json"))
                .body("reason", equalTo("MALFORMED_REQUEST"));
        given().when()
                .get("/v1/images")
                .then()
                .statusCode(405)
                .contentType(containsString("json"))
                .body("reason", equalTo("METHOD_NOT_ALLOWED"));
    }

    @Test
    void refusalsAreJsonProblemsNamingTheLimit() throws Exception {
        given().contentType("text/plain")
                .body("not an image")
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415)
                .body("reason", equalTo("UNSUPPORTED_CONTENT_TYPE"));
        given().contentType("application/octet-stream")
                .body("GIF89a but not really".getBytes(StandardCharsets.US_ASCII))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400)
                .body("status", equalTo(400));
        byte[] png = png(32, 32);
        given().contentType("image/png")
                .body(Arrays.copyOf(png, png.length / 2))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400)
                .body("reason", equalTo("CORRUPT"));
        given().contentType("image/png")
                .body(pngHeaderOnly(40_000, 40_000))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(413)
                .body("reason", equalTo("DIMENSIONS_TOO_LARGE"))
                .body("limit", equalTo(40_000_000))
                .body("detail", containsString("40000x40000"));
        given().contentType("application/octet-stream")
                .body(new byte[21 << 20])
                .when()
                .post("/v1/images")
                .then()
                .statusCode(413)
                .body("reason", equalTo("TOO_MANY_BYTES"))
                .body("limit", equalTo(20971520));
        given().multiPart("file", "ok.png", png, "image/png")
                .multiPart("file", "bad.png", new byte[] {1, 2, 3}, "image/png")
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415)
                .body("file", equalTo("bad.png"));
    }

    @Test
    void hostileUploadsEachGetTheir4xxAndBody() throws Exception {
        given().contentType("image/png")
                .body(new byte[0])
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400)
                .body("reason", equalTo("EMPTY"));
        given().contentType("image/jpeg")
                .body("this is text, labelled as a JPEG".getBytes(StandardCharsets.UTF_8))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415)
                .body("reason", equalTo("UNSUPPORTED_FORMAT"));
        byte[] jpeg = jpeg(64, 48);
        given().contentType("image/jpeg")
                .body(Arrays.copyOf(jpeg, jpeg.length / 3))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400)
                .body("reason", equalTo("CORRUPT"));
        given().contentType("image/gif")
                .body(gifDeclaring(65_535, 65_535))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(413)
                .body("reason", equalTo("DIMENSIONS_TOO_LARGE"))
                .body("detail", containsString("65535x65535"));
        given().contentType("application/octet-stream")
                .body(encode(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "tiff"))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415)
                .body("reason", equalTo("UNSUPPORTED_FORMAT"))
                .body("detail", containsString("JPEG, PNG, GIF, BMP"));
    }

    @Test
    void prometheusCountsAcceptedBytesAndRejectionsByReason() throws Exception {
        double acceptedBefore = IngestScrape.metric("alexstream_ingest_images_accepted_total{topic=\"images\"}");
        double bytesBefore = IngestScrape.metric("alexstream_ingest_received_bytes_total{topic=\"images\"}");
        double corruptBefore = IngestScrape.metric("alexstream_ingest_images_rejected_total{reason=\"CORRUPT\"}");
        double contentTypeBefore =
                IngestScrape.metric("alexstream_ingest_images_rejected_total{reason=\"UNSUPPORTED_CONTENT_TYPE\"}");
        byte[] png = png(16, 16);
        given().contentType("image/png")
                .body(png)
                .when()
                .post("/v1/images")
                .then()
                .statusCode(202);
        given().contentType("image/png")
                .body(Arrays.copyOf(png, png.length / 2))
                .when()
                .post("/v1/images")
                .then()
                .statusCode(400);
        given().contentType("text/plain")
                .body("no")
                .when()
                .post("/v1/images")
                .then()
                .statusCode(415);

        assertThat(IngestScrape.metric("alexstream_ingest_images_accepted_total{topic=\"images\"}") - acceptedBefore)
                .isEqualTo(1.0);
        assertThat(IngestScrape.metric("alexstream_ingest_received_bytes_total{topic=\"images\"}") - bytesBefore)
                .isEqualTo(png.length);
        assertThat(IngestScrape.metric("alexstream_ingest_images_rejected_total{reason=\"CORRUPT\"}") - corruptBefore)
                .isEqualTo(1.0);
        assertThat(IngestScrape.metric("alexstream_ingest_images_rejected_total{reason=\"UNSUPPORTED_CONTENT_TYPE\"}")
                        - contentTypeBefore)
                .isEqualTo(1.0);
        assertThat(IngestScrape.metric("alexstream_ingest_publish_duration_seconds_count"))
                .isPositive();
    }

    private static String labellerToken() {
        return ConfigProvider.getConfig().getValue("alexstream.auth.labeller-token", String.class);
    }

    private static ConsumerRecord<String, byte[]> find(String topic, String id) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "ingest-test-" + id);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(21 << 20));
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(300))) {
                    if (id.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no record with key " + id + " on " + topic);
    }
}

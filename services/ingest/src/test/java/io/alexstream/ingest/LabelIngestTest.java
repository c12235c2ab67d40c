package io.alexstream.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.alexstream.contracts.Headers;
import io.alexstream.testing.kafka.RecordHeaders;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Tier: component against a real broker. Late labels posted with the labeller's token land on the
 * labels topic, one record per label (key and {@code image-id} = the image id, {@code label}, an
 * empty value); without the token, or with one bad entry, the answer is a JSON problem and none of
 * the request's labels is published.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class LabelIngestTest {

    @Test
    void labelsWithTheTokenLandOnTheLabelsTopicAndOthersNowhere() {
        String run = UUID.randomUUID().toString();
        String refusedId = run + "-refused";
        String badId = run + "-bad-batch";
        double acceptedBefore = IngestScrape.metric("alexstream_ingest_labels_accepted_total");
        double badLabelBefore = IngestScrape.metric("alexstream_ingest_labels_rejected_total{reason=\"BAD_LABEL\"}");
        String unauthenticated = body(refusedId, "3");
        given().contentType("application/json")
                .body(unauthenticated)
                .when()
                .post("/v1/labels")
                .then()
                .statusCode(401)
                .contentType(containsString("json"))
                .header("WWW-Authenticate", equalTo("Bearer"))
                .body("reason", equalTo("UNAUTHENTICATED"));
        given().contentType("application/json")
                .header("Authorization", "Bearer " + labellerToken() + "x")
                .body(unauthenticated)
                .when()
                .post("/v1/labels")
                .then()
                .statusCode(401)
                .body("reason", equalTo("UNAUTHENTICATED"));
        given().contentType("application/json")
                .header("Authorization", "Bearer " + labellerToken())
                .body("{\"labels\":[{\"image_id\":\"" + badId + "\",\"label\":\"3\"}," + "{\"image_id\":\"" + run
                        + "-x\",\"label\":\"\"}]}")
                .when()
                .post("/v1/labels")
                .then()
                .statusCode(400)
                .contentType(containsString("json"))
                .body("reason", equalTo("BAD_LABEL"))
                .body("entry", equalTo(1))
                .body("detail", containsString("labels[1]"));

        String a = run + "-a";
        String b = run + "-b";
        given().contentType("application/json")
                .header("Authorization", "Bearer " + labellerToken())
                .body("{\"labels\":[{\"image_id\":\"" + a + "\",\"label\":\"3\"}," + "{\"image_id\":\"" + b
                        + "\",\"label\":\" Trouser \"}]}")
                .when()
                .post("/v1/labels")
                .then()
                .statusCode(202)
                .body("accepted", equalTo(2))
                .body("ids", contains(a, b));

        // the whole topic, read after the 202: a refused label published by mistake would be in it too
        Map<String, ConsumerRecord<String, byte[]>> records = labelsRecords(run);
        assertThat(records).containsOnlyKeys(a, b);
        ConsumerRecord<String, byte[]> first = records.get(a);
        assertThat(first.value()).isEmpty();
        assertThat(RecordHeaders.text(first, Headers.IMAGE_ID)).isEqualTo(a);
        assertThat(RecordHeaders.text(first, Headers.LABEL)).isEqualTo("3");
        assertThat(RecordHeaders.text(records.get(b), Headers.LABEL)).isEqualTo("Trouser");
        assertThat(IngestScrape.metric("alexstream_ingest_labels_accepted_total") - acceptedBefore)
                .isEqualTo(2.0);
        assertThat(IngestScrape.metric("alexstream_ingest_labels_rejected_total{reason=\"BAD_LABEL\"}")
                        - badLabelBefore)
                .isEqualTo(1.0);
    }

    private static String body(String id, String label) {
        return "{\"labels\":[{\"image_id\":\"" + id + "\",\"label\":\"" + label + "\"}]}";
    }

    private static String labellerToken() {
        return ConfigProvider.getConfig().getValue("alexstream.auth.labeller-token", String.class);
    }

    /** Every record of this run on the labels topic, by key: the whole topic as it is now, to its end. */
    private static Map<String, ConsumerRecord<String, byte[]>> labelsRecords(String run) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers);
        Map<String, ConsumerRecord<String, byte[]>> found = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(KafkaBrokerResource.LABELS_TOPIC).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // every record acknowledged before this call lies below these offsets
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime())
                        .as("read the labels topic to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(300))) {
                    if (record.key() != null && record.key().startsWith(run)) {
                        found.put(record.key(), record);
                    }
                }
            }
        }
        return found;
    }
}

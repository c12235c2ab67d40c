package io.alexstream.worker;

import static io.alexstream.testing.images.EncodedImages.jpeg;
import static io.alexstream.testing.images.HostileImages.gifDeclaring;
import static io.alexstream.testing.images.HostileImages.pngDeclaring;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.images.HostileImages;
import io.alexstream.testing.kafka.RecordHeaders;
import io.alexstream.testing.metrics.PrometheusText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker. Images produced by a plain Kafka producer get one
 * ten-crop prediction each on the predictions topic, a corrupt record lands in the dead-letter
 * topic with its reason and original bytes, the consumer keeps going, and the offsets of all
 * of them are committed.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
@TestProfile(KafkaPathTest.ReviewThresholds.class)
class KafkaPathTest {

    /**
     * Below this top-1 probability an image goes to review: the seeded model gives the black images 0.133 and the noise
     * ones 0.140 to 0.145, so this parts them.
     */
    static final double MAX_TOP1 = 0.136;

    /** Review by top-1 alone, at {@link #MAX_TOP1}, and no rate limit to speak of: which images go is deterministic. */
    public static class ReviewThresholds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "alexstream.worker.review.max-top1-probability", Double.toString(MAX_TOP1),
                    "alexstream.worker.review.min-crop-disagreement", "2",
                    "alexstream.worker.review.max-per-second", "1000");
        }
    }

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyImageGetsOnePredictionAndBadRecordsAreDeadLettered() throws Exception {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.matchesRegex(Pattern.compile(
                        ".*alexstream_worker_device_info\\{device=\"cpu\",precision=\"(fp32|bf16)\","
                                + "worker=\"worker-1\"} 1\\.0.*",
                        Pattern.DOTALL)))
                .body(org.hamcrest.Matchers.containsString("alexstream_worker_model_version{worker=\"worker-1\"} 1.0"));
        byte[] garbage = "definitely not an image".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 1; i <= 3; i++) {
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>(WorkerTestResources.IMAGES, "img-" + i, png(40 + i, 30));
                record.headers().add(Headers.CORRELATION_ID, ("corr-" + i).getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
            producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "bad-1", garbage))
                    .get();
        }

        Map<String, ConsumerRecord<String, byte[]>> predictions = consume(WorkerTestResources.PREDICTIONS, 3, "img-");
        assertThat(predictions).containsOnlyKeys("img-1", "img-2", "img-3");
        for (var entry : predictions.entrySet()) {
            JsonNode prediction = json.readTree(entry.getValue().value());
            assertThat(prediction.get("image_id").asText()).isEqualTo(entry.getKey());
            assertThat(prediction.get("model_version").asLong()).isEqualTo(1L);
            assertThat(prediction.get("crops_used").asInt()).isEqualTo(10);
            assertThat(prediction.get("worker_id").asText()).isEqualTo("worker-1");
            assertThat(prediction.get("top")).hasSize(5);
            assertThat(prediction.get("correlation_id").asText())
                    .isEqualTo("corr-" + entry.getKey().substring(4));
            assertThat(prediction.get("timings").get("inference_seconds").asDouble())
                    .isPositive();
        }

        Map<String, ConsumerRecord<String, byte[]>> deadLetters = consume(WorkerTestResources.DEAD_LETTERS, 1, "bad-");
        ConsumerRecord<String, byte[]> dead = deadLetters.get("bad-1");
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(new String(
                        dead.headers().lastHeader(Headers.DEAD_LETTER_REASON).value(), StandardCharsets.UTF_8))
                .isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(new String(
                        dead.headers().lastHeader(Headers.DEAD_LETTER_TOPIC).value(), StandardCharsets.UTF_8))
                .isEqualTo(WorkerTestResources.IMAGES);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long committed = -1;
        long produced = -2;
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers))) {
            while (committed != produced && System.nanoTime() < deadline) {
                Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                                "alexstream-workers")
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                committed = offsets.values().stream()
                        .mapToLong(OffsetAndMetadata::offset)
                        .sum();
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
                        new HashMap<>();
                for (int p = 0; p < 2; p++) {
                    latest.put(
                            new org.apache.kafka.common.TopicPartition(WorkerTestResources.IMAGES, p),
                            org.apache.kafka.clients.admin.OffsetSpec.latest());
                }
                produced = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
                        .mapToLong(info -> info.offset())
                        .sum();
                Thread.sleep(200);
            }
        }
        assertThat(committed)
                .as("committed offsets of the worker group = records in the images topic")
                .isEqualTo(produced);

        String exposition = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(PrometheusText.value(
                        exposition,
                        "alexstream_worker_images_classified_total"
                                + "{protocol=\"alexstream\",source=\"kafka\",worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(3);
        assertThat(PrometheusText.value(exposition, "alexstream_worker_crops_total{worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(30);
        assertThat(PrometheusText.value(
                        exposition,
                        "alexstream_worker_dead_letters_total{reason=\"UNSUPPORTED_FORMAT\",worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(PrometheusText.value(
                        exposition, "alexstream_worker_inference_duration_seconds_count{worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(3);
        assertThat(PrometheusText.value(exposition, "alexstream_worker_queue_wait_seconds_count{worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(3);
        assertThat(PrometheusText.value(exposition, "alexstream_worker_model_info{version=\"1\",worker=\"worker-1\"}"))
                .isEqualTo(1.0);
        assertThat(exposition)
                .as("the consumer's lag, from the Kafka client")
                .contains("kafka_consumer_fetch_manager_records_lag_max{");
    }

    @io.quarkus.grpc.GrpcClient("classifier")
    io.alexstream.proto.v1.ClassifierGrpc.ClassifierBlockingStub classifier;

    @Test
    void hostileRecordsAreDeadLetteredWithTheirReasonAndTheImageAfterThemIsStillClassified() throws Exception {
        byte[] jpeg = jpeg(64, 48);
        List<ProducerRecord<String, byte[]>> hostile = List.of(
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "h-empty", new byte[0]),
                new ProducerRecord<>(
                        WorkerTestResources.IMAGES,
                        0,
                        "h-text",
                        "GIF? no, JPEG? no, text".getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(
                        WorkerTestResources.IMAGES, 0, "h-truncated", java.util.Arrays.copyOf(jpeg, jpeg.length / 3)),
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "h-png-bomb", pngDeclaring(40_000, 40_000)),
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "h-gif-bomb", gifDeclaring(65_535, 65_535)),
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "h-after", png(33, 33)));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (ProducerRecord<String, byte[]> record : hostile) {
                producer.send(record).get();
            }
        }
        Map<String, ConsumerRecord<String, byte[]>> dead = consume(WorkerTestResources.DEAD_LETTERS, 5, "h-");
        assertThat(reason(dead.get("h-empty"))).isEqualTo("EMPTY");
        assertThat(reason(dead.get("h-text"))).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(reason(dead.get("h-truncated"))).isEqualTo("CORRUPT");
        assertThat(reason(dead.get("h-png-bomb"))).isEqualTo("DIMENSIONS_TOO_LARGE");
        assertThat(reason(dead.get("h-gif-bomb"))).isEqualTo("DIMENSIONS_TOO_LARGE");
        assertThat(consume(WorkerTestResources.PREDICTIONS, 1, "h-")).containsOnlyKeys("h-after");
    }

    /**
     * Each of these once closed the consumer for good (or could not be dead-lettered): a null or non-UTF-8 header,
     * a 100 KB key, a tombstone, a BMP whose header declares 2 GiB, a value larger than a dead letter may be. Each
     * gets exactly one outcome, a valid 6000x6000 16-bit PNG is classified, and the image after them too.
     */
    @Test
    void noRecordStopsTheConsumerAndEachGetsExactlyOneOutcome() throws Exception {
        byte[] valid = png(40, 30);
        String hugeKey = "k-huge-" + "x".repeat(100_000);
        byte[] notAnImage = new byte[15 << 20];
        new java.util.Random(7).nextBytes(notAnImage);
        notAnImage[0] = 'n';
        List<ProducerRecord<String, byte[]>> records = new java.util.ArrayList<>();
        ProducerRecord<String, byte[]> nullIdHeader =
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-null-header", valid);
        nullIdHeader.headers().add(new org.apache.kafka.common.header.internals.RecordHeader(Headers.IMAGE_ID, null));
        nullIdHeader
                .headers()
                .add(new org.apache.kafka.common.header.internals.RecordHeader(Headers.CORRELATION_ID, null));
        records.add(nullIdHeader);
        ProducerRecord<String, byte[]> binaryHeader =
                new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-binary-header", valid);
        binaryHeader.headers().add(Headers.CORRELATION_ID, new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3});
        records.add(binaryHeader);
        records.add(new ProducerRecord<>(WorkerTestResources.IMAGES, 0, hugeKey, valid));
        records.add(new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-tombstone", null));
        records.add(new ProducerRecord<>(
                WorkerTestResources.IMAGES, 0, "k-bmp-bomb", HostileImages.bmpDeclaringHugeData()));
        records.add(new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-15mb", notAnImage));
        records.add(new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-16bit", HostileImages.png16BitRgb(6000)));
        records.add(new ProducerRecord<>(WorkerTestResources.IMAGES, 0, "k-after", valid));
        Properties big = new Properties();
        big.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(20 << 20));
        try (KafkaProducer<String, byte[]> producer = producer(big)) {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record).get();
            }
        }
        String hashedKey = io.alexstream.worker.messaging.RecordIds.bounded(hugeKey);
        assertThat(hashedKey).startsWith("sha256:");
        Map<String, ConsumerRecord<String, byte[]>> answered =
                consume(WorkerTestResources.PREDICTIONS, 5, "k-", "sha256:");
        assertThat(answered).containsOnlyKeys("k-null-header", "k-binary-header", hashedKey, "k-16bit", "k-after");
        assertThat(json.readTree(answered.get("k-16bit").value())
                        .get("crops_used")
                        .asInt())
                .isEqualTo(10);
        Map<String, ConsumerRecord<String, byte[]>> dead = consume(WorkerTestResources.DEAD_LETTERS, 3, "k-");
        assertThat(dead).containsOnlyKeys("k-tombstone", "k-bmp-bomb", "k-15mb");
        assertThat(reason(dead.get("k-tombstone"))).isEqualTo("EMPTY");
        assertThat(reason(dead.get("k-bmp-bomb"))).isEqualTo("CORRUPT");
        ConsumerRecord<String, byte[]> truncated = dead.get("k-15mb");
        assertThat(reason(truncated)).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(truncated.value()).hasSize(1 << 20);
        assertThat(RecordHeaders.text(truncated, Headers.DEAD_LETTER_TRUNCATED)).isEqualTo("true");
        assertThat(RecordHeaders.text(truncated, Headers.DEAD_LETTER_ORIGINAL_BYTES))
                .isEqualTo(Integer.toString(15 << 20));
        assertThat(RecordHeaders.text(truncated, Headers.DEAD_LETTER_ORIGINAL_SHA256))
                .isEqualTo(io.alexstream.worker.messaging.RecordIds.sha256(notAnImage));
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void grpcAndKafkaGiveTheSameAnswerForTheSameImage() throws Exception {
        byte[] image = png(48, 36);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "same-1", image))
                    .get();
        }
        JsonNode viaKafka = json.readTree(consume(WorkerTestResources.PREDICTIONS, 1, "same-")
                .get("same-1")
                .value());
        var viaGrpc = classifier
                .classify(io.alexstream.proto.v1.ClassifyRequest.newBuilder()
                        .setImage(com.google.protobuf.ByteString.copyFrom(image))
                        .build())
                .getPrediction();
        for (int i = 0; i < 5; i++) {
            assertThat(viaGrpc.getTop(i).getIndex())
                    .isEqualTo(viaKafka.get("top").get(i).get("index").asInt());
            assertThat((double) viaGrpc.getTop(i).getProbability())
                    .isCloseTo(
                            viaKafka.get("top").get(i).get("probability").asDouble(),
                            org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    /**
     * An image the model is unsure of reaches the review topic with its own bytes, its id, content type and
     * correlation id, and its prediction in a header; a confident one gets its prediction and no review copy.
     */
    @Test
    void uncertainImagesAreCopiedToReviewWithTheirPredictionAndConfidentOnesAreNot() throws Exception {
        Map<String, byte[]> images = new java.util.LinkedHashMap<>();
        images.put("rv-black", EncodedImages.png(64, 64));
        images.put("rv-jpeg", jpeg(64, 48));
        for (int seed = 1; seed <= 4; seed++) {
            images.put("rv-noise-" + seed, EncodedImages.noisePng(64, 64, seed));
        }
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (var image : images.entrySet()) {
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>(WorkerTestResources.IMAGES, image.getKey(), image.getValue());
                record.headers().add(Headers.CONTENT_TYPE, "image/x-test".getBytes(StandardCharsets.UTF_8));
                record.headers().add(Headers.CORRELATION_ID, ("c-" + image.getKey()).getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
        }
        Map<String, ConsumerRecord<String, byte[]>> predictions =
                consume(WorkerTestResources.PREDICTIONS, images.size(), "rv-");
        assertThat(predictions).containsOnlyKeys(images.keySet());
        Map<String, Double> top1 = new java.util.TreeMap<>();
        for (var entry : predictions.entrySet()) {
            JsonNode prediction = json.readTree(entry.getValue().value());
            top1.put(
                    entry.getKey(),
                    prediction.get("top").get(0).get("probability").asDouble());
            assertThat(prediction.get("crop_disagreement").asDouble()).isBetween(0.0, 1.0);
        }
        List<String> uncertain = top1.entrySet().stream()
                .filter(e -> e.getValue() < MAX_TOP1)
                .map(Map.Entry::getKey)
                .toList();
        assertThat(uncertain).as("top-1 probabilities %s", top1).isNotEmpty().hasSizeLessThan(images.size());

        Map<String, ConsumerRecord<String, byte[]>> review =
                consume(WorkerTestResources.REVIEW, uncertain.size(), "rv-");
        // a copy is sent with its prediction, and every prediction is in already: a confident image's copy would be too
        assertThat(review.keySet()).as("top-1 probabilities %s", top1).containsExactlyInAnyOrderElementsOf(uncertain);
        for (var copy : review.values()) {
            String id = copy.key();
            assertThat(copy.value()).as("the image's own bytes").isEqualTo(images.get(id));
            assertThat(RecordHeaders.text(copy, Headers.IMAGE_ID)).isEqualTo(id);
            assertThat(RecordHeaders.text(copy, Headers.CONTENT_TYPE)).isEqualTo("image/x-test");
            assertThat(RecordHeaders.text(copy, Headers.CORRELATION_ID)).isEqualTo("c-" + id);
            assertThat(json.readTree(RecordHeaders.text(copy, Headers.PREDICTION)))
                    .isEqualTo(json.readTree(predictions.get(id).value()));
        }
        String exposition = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(PrometheusText.value(
                        exposition, "alexstream_worker_review_routed_total{reason=\"low_top1\",worker=\"worker-1\"}"))
                .isGreaterThanOrEqualTo(uncertain.size());
        assertThat(exposition)
                .contains("alexstream_worker_review_skipped_total{reason=\"rate_limit\",worker=\"worker-1\"} 0.0");
    }

    private static String reason(ConsumerRecord<String, byte[]> record) {
        assertThat(record).as("dead letter").isNotNull();
        return new String(
                record.headers().lastHeader(Headers.DEAD_LETTER_REASON).value(), StandardCharsets.UTF_8);
    }

    private static KafkaProducer<String, byte[]> producer() {
        return producer(new Properties());
    }

    private static KafkaProducer<String, byte[]> producer(Properties extra) {
        Properties props = new Properties();
        props.putAll(extra);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
        return consume(topic, expected, "");
    }

    /** Records of the topic whose key starts with one of the prefixes (other tests share the topics). */
    private static Map<String, ConsumerRecord<String, byte[]>> consume(
            String topic, int expected, String... keyPrefixes) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "worker-test-" + topic + "-" + keyPrefixes[0] + System.nanoTime());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (byKey.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (java.util.Arrays.stream(keyPrefixes).anyMatch(r.key()::startsWith)) {
                        assertThat(byKey.put(r.key(), r))
                                .as("one record per key on " + topic)
                                .isNull();
                    }
                });
            }
        }
        return byKey;
    }

    private static byte[] png(int w, int h) {
        return EncodedImages.png(w, h, w / 2, h / 2, 0xffffff);
    }
}

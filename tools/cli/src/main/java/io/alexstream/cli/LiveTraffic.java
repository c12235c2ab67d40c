package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The live side of the demo scenarios: images sent to the images topic as any producer would, their predictions
 * and review copies read back, and the true labels posted later to ingest's {@code POST /v1/labels} with the
 * labeller's token, as a person confirming what an image was. It keeps the ledger: every image the broker
 * acknowledged must get a prediction ({@link #lost()}).
 */
final class LiveTraffic implements AutoCloseable {

    private static final int LABELS_PER_REQUEST = 1000;
    private static final Duration ANSWER_WAIT = Duration.ofMinutes(3);

    /** A prediction as the demo reads it: which version answered and its top-1 class. */
    record Answer(long version, int top1) {}

    private final ObjectMapper json = new ObjectMapper();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, String> consumer;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI labels;
    private final String labellerToken;
    private final Set<String> acknowledged = new LinkedHashSet<>();
    private final Map<String, Answer> answers = new HashMap<>();
    private final Set<String> reviewed = new LinkedHashSet<>();
    private int duplicates;
    private int labelsSent;

    LiveTraffic(String bootstrapServers, URI ingest, String labellerToken) {
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // an acknowledged image is one the demo holds the stack to answering
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-live-" + UUID.randomUUID());
        // the ids are new to this run, so whatever else the topics hold is simply not asked about
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(Topics.PREDICTIONS, Topics.REVIEW));
        this.labels = URI.create(ingest.toString().replaceAll("/+$", "") + "/v1/labels");
        this.labellerToken = labellerToken;
    }

    /** Sends the batch and waits until each image the broker acknowledged has an answer (3 minutes at most). */
    Map<String, Answer> classify(List<Sample> batch) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (Sample sample : batch) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, sample.id(), sample.png());
            record.headers().add(Headers.IMAGE_ID, sample.id().getBytes(StandardCharsets.UTF_8));
            record.headers().add(Headers.CONTENT_TYPE, "image/png".getBytes(StandardCharsets.UTF_8));
            sends.add(producer.send(record));
        }
        producer.flush();
        for (int i = 0; i < batch.size(); i++) {
            try {
                sends.get(i).get();
                acknowledged.add(batch.get(i).id());
            } catch (ExecutionException e) {
                // not acknowledged: not the stack's to answer; the ledger leaves it out
            }
        }
        long deadline = System.nanoTime() + ANSWER_WAIT.toNanos();
        while (System.nanoTime() < deadline && !answeredAll(batch)) {
            drain();
        }
        Map<String, Answer> result = new HashMap<>();
        for (Sample sample : batch) {
            Answer answer = answers.get(sample.id());
            if (answer != null) {
                result.put(sample.id(), answer);
            }
        }
        return result;
    }

    /** Posts the true labels of {@code batch}; returns how many ingest accepted. */
    int label(List<Sample> batch) throws Exception {
        int accepted = 0;
        for (int from = 0; from < batch.size(); from += LABELS_PER_REQUEST) {
            List<Sample> part = batch.subList(from, Math.min(batch.size(), from + LABELS_PER_REQUEST));
            ObjectNode body = json.createObjectNode();
            ArrayNode array = body.putArray("labels");
            part.forEach(s -> array.addObject().put("image_id", s.id()).put("label", Integer.toString(s.label())));
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(labels)
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + labellerToken)
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException(
                        "ingest refused labels: " + response.statusCode() + " " + response.body());
            }
            accepted += part.size();
        }
        labelsSent += accepted;
        return accepted;
    }

    /** Reads what has arrived so far without waiting for anything in particular. */
    void drain() throws Exception {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            if (record.key() == null) {
                continue;
            }
            if (record.topic().equals(Topics.REVIEW)) {
                reviewed.add(record.key());
                continue;
            }
            JsonNode prediction = json.readTree(record.value());
            Answer answer = new Answer(
                    prediction.path("model_version").asLong(),
                    prediction.path("top").path(0).path("index").asInt(-1));
            if (answers.putIfAbsent(record.key(), answer) != null && acknowledged.contains(record.key())) {
                duplicates++;
            }
        }
    }

    private boolean answeredAll(List<Sample> batch) {
        for (Sample sample : batch) {
            if (acknowledged.contains(sample.id()) && !answers.containsKey(sample.id())) {
                return false;
            }
        }
        return true;
    }

    /** Images the broker acknowledged that have no prediction. */
    long lost() {
        return acknowledged.stream().filter(id -> !answers.containsKey(id)).count();
    }

    long acknowledged() {
        return acknowledged.size();
    }

    int duplicates() {
        return duplicates;
    }

    int labelsSent() {
        return labelsSent;
    }

    /** Ids the workers copied to the review topic so far. */
    Set<String> reviewed() {
        return reviewed;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        consumer.close(Duration.ofSeconds(10));
    }
}

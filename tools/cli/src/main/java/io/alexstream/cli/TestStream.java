package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Streams the test split through the images topic (with a few bad records behind it) and collects what comes back on
 * the predictions and dead-letter topics: every answer counted per image, so a lost or duplicated one shows.
 */
final class TestStream {

    /** What came back on the predictions and dead-letter topics. */
    record Observed(
            Map<String, Integer> answers,
            Map<String, JsonNode> predictions,
            Map<String, String> deadLetters,
            Map<String, Double> latencyMillis,
            double seconds,
            int sent,
            Map<String, Integer> top1ByImage) {}

    private final ObjectMapper json = new ObjectMapper();
    private final String bootstrapServers;

    TestStream(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    Observed run(List<Sample> test) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Integer> answers = new HashMap<>();
        Map<String, JsonNode> predictions = new HashMap<>();
        Map<String, String> deadLetters = new HashMap<>();
        Map<String, Double> latency = new HashMap<>();
        Map<String, Integer> top1 = new HashMap<>();
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        List<String> badIds = new ArrayList<>();
        long t0;
        try (KafkaConsumer<String, String> consumer =
                        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(Topics.PREDICTIONS, Topics.DEAD_LETTERS));
            consumer.poll(Duration.ofMillis(200));
            t0 = System.nanoTime();
            Progress progress = new Progress(System.err, "test images", test.size());
            int sent = 0;
            for (Sample sample : test) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, sample.id(), sample.png());
                record.headers().add(Headers.IMAGE_ID, sample.id().getBytes(StandardCharsets.UTF_8));
                record.headers().add(Headers.CONTENT_TYPE, "image/png".getBytes(StandardCharsets.UTF_8));
                sentAt.put(sample.id(), System.nanoTime());
                producer.send(record);
                if (++sent % 500 == 0) {
                    progress.update(sent);
                    drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
                }
            }
            progress.update(sent);
            byte[][] bad = badRecords(test.get(0).png());
            for (int i = 0; i < bad.length; i++) {
                String id = "bad-" + i;
                badIds.add(id);
                producer.send(new ProducerRecord<>(Topics.IMAGES, id, bad[i]));
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            Progress answered = new Progress(System.err, Topics.PREDICTIONS, test.size());
            while (System.nanoTime() < deadline) {
                drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
                answered.update(Math.min(test.size(), countAnswered(answers, test)));
                if (countAnswered(answers, test) == test.size()
                        && deadLetters.keySet().containsAll(badIds)) {
                    break;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // a moment more, to see duplicates if any were coming
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
            }
            return new Observed(answers, predictions, deadLetters, latency, seconds, test.size(), top1);
        }
    }

    private static int countAnswered(Map<String, Integer> answers, List<Sample> test) {
        int n = 0;
        for (Sample s : test) {
            if (answers.containsKey(s.id())) {
                n++;
            }
        }
        return n;
    }

    private void drain(
            KafkaConsumer<String, String> consumer,
            Map<String, Long> sentAt,
            Map<String, Integer> answers,
            Map<String, JsonNode> predictions,
            Map<String, String> deadLetters,
            Map<String, Double> latency,
            Map<String, Integer> top1)
            throws IOException {
        long now = System.nanoTime();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            if (record.topic().equals(Topics.DEAD_LETTERS)) {
                var reason = record.headers().lastHeader(Headers.DEAD_LETTER_REASON);
                deadLetters.put(
                        record.key(), reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8));
                continue;
            }
            answers.merge(record.key(), 1, Integer::sum);
            if (answers.get(record.key()) == 1) {
                JsonNode prediction = json.readTree(record.value());
                predictions.put(record.key(), prediction);
                top1.put(
                        record.key(),
                        prediction.path("top").get(0).path("index").asInt());
                Long sent = sentAt.get(record.key());
                if (sent != null) {
                    latency.put(record.key(), (now - sent) / 1e6);
                }
            }
        }
    }

    /** Empty, text, a truncated PNG, a PNG declaring 40,000 x 40,000, a GIF declaring 65,535 x 65,535. */
    static byte[][] badRecords(byte[] goodPng) {
        byte[] hugePng = Arrays.copyOf(goodPng, Math.min(goodPng.length, 33));
        writeInt(hugePng, 16, 40_000);
        writeInt(hugePng, 20, 40_000);
        byte[] gif =
                new byte[] {'G', 'I', 'F', '8', '9', 'a', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0};
        return new byte[][] {
            new byte[0],
            "this is not an image".getBytes(StandardCharsets.UTF_8),
            Arrays.copyOf(goodPng, goodPng.length / 2),
            hugePng,
            gif
        };
    }

    private static void writeInt(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }
}

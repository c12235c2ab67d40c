package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.weights.SeedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, two packaged workers as separate processes in one consumer group on a
 * real broker. One is killed (SIGKILL) while images are still arriving; the other takes over
 * its partitions, and every image the producer had acknowledged still gets a prediction.
 * Duplicates (records answered but not yet committed by the killed worker) are allowed and
 * counted, losses are not.
 */
class WorkerFailoverIT {

    private static final Logger LOG = Logger.getLogger(WorkerFailoverIT.class);
    static final int IMAGES_AFTER_KILL = 60;

    @TempDir
    Path dir;

    @Test
    void killingOneWorkerMidStreamLosesNothing() throws Exception {
        Path app = Path.of(System.getProperty("worker.app", "target/apps/worker/quarkus-run.jar"));
        assertThat(Files.isRegularFile(app)).as("packaged worker at %s", app).isTrue();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(Map.of("images", 4, "predictions", 2, "images.dead-letter", 1));
            Path weights = writeWeights(dir.resolve("small-v1.alxw"));
            ServiceProcess first = startWorker(app, kafka, weights, "worker-a");
            ServiceProcess second = startWorker(app, kafka, weights, "worker-b");
            try {
                first.awaitReady(Duration.ofSeconds(120));
                second.awaitReady(Duration.ofSeconds(120));
                List<String> ids = new ArrayList<>();
                Map<String, Integer> answers = new HashMap<>();
                Map<String, Integer> byWorker = new HashMap<>();
                Map<String, Integer> afterKill = new HashMap<>();
                try (KafkaProducer<String, byte[]> producer = producer(kafka);
                        KafkaConsumer<String, String> consumer = consumer(kafka)) {
                    consumer.subscribe(List.of("predictions"));
                    // Readiness means a model is loaded, not that the group has settled: keep
                    // sending until both members have answered something, so the kill really
                    // happens mid-stream with partitions on both sides.
                    long settleDeadline =
                            System.nanoTime() + Duration.ofSeconds(90).toNanos();
                    while (!byWorker.keySet().containsAll(List.of("worker-a", "worker-b"))
                            && System.nanoTime() < settleDeadline) {
                        for (int i = 0; i < 4; i++) {
                            ids.add(send(producer, "f-" + ids.size()));
                        }
                        poll(consumer, Duration.ofMillis(500), answers, byWorker);
                    }
                    assertThat(byWorker)
                            .as("both workers answered before the kill")
                            .containsKeys("worker-a", "worker-b");
                    first.kill();
                    LOG.infof("killed worker-a after %d images", ids.size());
                    Map<String, Integer> beforeKill = Map.copyOf(byWorker);
                    for (int i = 0; i < IMAGES_AFTER_KILL; i++) {
                        ids.add(send(producer, "f-" + ids.size()));
                        poll(consumer, Duration.ofMillis(50), answers, byWorker);
                    }
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (!answers.keySet().containsAll(ids) && System.nanoTime() < deadline) {
                        poll(consumer, Duration.ofMillis(300), answers, byWorker);
                    }
                    afterKill.putAll(byWorker);
                    beforeKill.forEach((worker, n) -> afterKill.merge(worker, -n, Integer::sum));
                }
                List<String> lost =
                        ids.stream().filter(id -> !answers.containsKey(id)).toList();
                long duplicates = answers.values().stream()
                        .filter(n -> n > 1)
                        .mapToLong(n -> n - 1)
                        .sum();
                String summary = String.format(
                        "failover: %d images, %d answered, %d lost, %d duplicates,"
                                + " answers by worker %s (after the kill %s)",
                        ids.size(), answers.size(), lost.size(), duplicates, byWorker, afterKill);
                LOG.info(summary);
                Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "alexstream-failover.txt"), summary);
                assertThat(lost)
                        .as("images without a prediction after worker-a was killed")
                        .isEmpty();
                assertThat(afterKill.getOrDefault("worker-b", 0))
                        .as("answers from the survivor after the kill")
                        .isPositive();
            } finally {
                first.kill();
                second.close();
            }
        }
    }

    private static String send(KafkaProducer<String, byte[]> producer, String id) throws Exception {
        producer.send(new ProducerRecord<>("images", id, png(30 + Math.floorMod(id.hashCode(), 7), 30)))
                .get();
        return id;
    }

    private static void poll(
            KafkaConsumer<String, String> consumer,
            Duration wait,
            Map<String, Integer> answers,
            Map<String, Integer> byWorker) {
        consumer.poll(wait).forEach(r -> {
            answers.merge(r.key(), 1, Integer::sum);
            byWorker.merge(workerOf(r.value()), 1, Integer::sum);
        });
    }

    private ServiceProcess startWorker(Path app, EmbeddedKafka kafka, Path weights, String id) throws Exception {
        return ServiceProcess.quarkusApp(id, app)
                .jvmOption("-Xmx1g")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.weights-file", weights)
                .property("alexstream.worker.id", id)
                // a killed member's partitions move on after 6 s instead of 45
                .property("mp.messaging.incoming.images-in.session.timeout.ms", 6000)
                .property("mp.messaging.incoming.images-in.heartbeat.interval.ms", 1000)
                .log(dir.resolve(id + ".log"))
                .start();
    }

    private static Path writeWeights(Path file) throws Exception {
        return SeedWeights.write(SeedWeights.small(5, 100f, SeedWeights.version(1, null, Map.of())), file);
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "failover-observer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static String workerOf(String predictionJson) {
        int at = predictionJson.indexOf("\"worker_id\":\"");
        if (at < 0) {
            return "unknown";
        }
        int start = at + "\"worker_id\":\"".length();
        return predictionJson.substring(start, predictionJson.indexOf('"', start));
    }

    private static byte[] png(int w, int h) {
        return EncodedImages.png(w, h, 1, 1, 0xabcdef);
    }
}

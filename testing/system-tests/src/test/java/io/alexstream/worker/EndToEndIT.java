package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, the whole main path on a real broker: the packaged ingest and the packaged
 * worker run as processes of their own; N images posted over HTTP come back as exactly N
 * predictions with the same ids, none lost, none duplicated.
 */
class EndToEndIT {

    static final int IMAGES = 20;
    static final String PREDICTIONS = "predictions";

    @TempDir
    Path dir;

    @Test
    void everyPostedImageGetsExactlyOnePrediction() throws Exception {
        Path ingestJar = Path.of(System.getProperty("ingest.app", "target/apps/ingest/quarkus-run.jar"));
        Path workerJar = Path.of(System.getProperty("worker.app", "target/apps/worker/quarkus-run.jar"));
        assertThat(Files.isRegularFile(ingestJar))
                .as("packaged ingest at %s", ingestJar)
                .isTrue();
        assertThat(Files.isRegularFile(workerJar))
                .as("packaged worker at %s", workerJar)
                .isTrue();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(Map.of("images", 2, PREDICTIONS, 2, "images.dead-letter", 1));
            try (ServiceProcess worker = startWorker(workerJar, kafka, writeWeights(dir.resolve("small-v1.alxw")));
                    ServiceProcess ingest = ServiceProcess.quarkusApp("ingest", ingestJar)
                            .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                            .log(dir.resolve("ingest.log"))
                            .start()) {
                worker.awaitReady(Duration.ofSeconds(120));
                ingest.awaitReady(Duration.ofSeconds(60));
                List<String> ids = post(http, ingest.uri(""));
                Map<String, Integer> answers = answers(kafka, ids);
                assertThat(answers.keySet()).containsAll(ids);
                for (String id : ids) {
                    assertThat(answers.get(id)).as("predictions for %s", id).isEqualTo(1);
                }
            }
        }
    }

    /** Posts {@link #IMAGES} images of different sizes; returns the ids ingest gave them. */
    private static List<String> post(HttpClient http, URI base) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(base.resolve("/v1/images"))
                            .header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(png(20 + i, 30)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            String body = response.body();
            int start = body.indexOf("[\"") + 2;
            ids.add(body.substring(start, body.indexOf('"', start)));
        }
        return ids;
    }

    /** Predictions per image id, read until every id has one and then a little longer, to see a duplicate. */
    private static Map<String, Integer> answers(EmbeddedKafka kafka, List<String> ids) {
        Map<String, Integer> answers = new HashMap<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-observer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(PREDICTIONS));
            long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!answers.keySet().containsAll(ids) && System.nanoTime() < until) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> answers.merge(r.key(), 1, Integer::sum));
            }
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> answers.merge(r.key(), 1, Integer::sum));
            }
        }
        return answers;
    }

    private ServiceProcess startWorker(Path app, EmbeddedKafka kafka, Path weights) throws Exception {
        return ServiceProcess.quarkusApp("worker", app)
                .jvmOption("-Xmx1g")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.weights-file", weights)
                .property("alexstream.worker.state-dir", dir.resolve("worker-state"))
                .log(dir.resolve("worker.log"))
                .start();
    }

    /** An untrained small-profile version 1, for the worker to load at start-up. */
    private static Path writeWeights(Path file) throws Exception {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu());
                OutputStream out = Files.newOutputStream(file)) {
            float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
            Arrays.fill(mean, 100f);
            model.initialize(9, mean);
            WeightsCodec.write(
                    model.export(new WeightsMetadata(1, null, "2026-11-27T00:00:00Z", Map.of(), Map.of(), List.of())),
                    out);
        }
        return file;
    }

    private static byte[] png(int w, int h) throws Exception {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0x808080);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}

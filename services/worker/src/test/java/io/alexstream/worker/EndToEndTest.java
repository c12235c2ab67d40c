package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.local.ServiceProcess;
import io.alexstream.testing.images.EncodedImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration, the whole main path on a real broker: the packaged ingest application
 * runs as its own process, this worker runs in the test; N images posted over HTTP come back
 * as exactly N predictions with the same ids, none lost, none duplicated.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class EndToEndTest {

    static final int IMAGES = 20;

    @Test
    void everyPostedImageGetsExactlyOnePrediction() throws Exception {
        Path ingestJar = Path.of(System.getProperty("user.dir")).resolve("../ingest/target/quarkus-app/quarkus-run.jar").normalize();
        assertThat(Files.isRegularFile(ingestJar)).as("packaged ingest at %s (built before the worker)", ingestJar).isTrue();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (ServiceProcess ingest = ServiceProcess.quarkusApp("ingest", ingestJar)
                .property("kafka.bootstrap.servers", WorkerTestResources.bootstrapServers)
                .log(Path.of(System.getProperty("java.io.tmpdir"), "alexstream-e2e-ingest.log"))
                .start()) {
            ingest.awaitReady(Duration.ofSeconds(60));
            URI base = ingest.uri("");

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/images"))
                                .header("Content-Type", "image/png")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(png(20 + i, 30))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                String body = response.body();
                int start = body.indexOf("[\"") + 2;
                ids.add(body.substring(start, body.indexOf('"', start)));
            }

            Map<String, Integer> answers = new HashMap<>();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-observer");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(WorkerTestResources.PREDICTIONS));
                long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (answers.keySet().containsAll(ids) == false && System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(300)).forEach(r -> answers.merge(r.key(), 1, Integer::sum));
                }
                // a little longer, to see a duplicate if one were coming
                long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < settle) {
                    consumer.poll(Duration.ofMillis(300)).forEach(r -> answers.merge(r.key(), 1, Integer::sum));
                }
            }
            assertThat(answers.keySet()).containsAll(ids);
            for (String id : ids) {
                assertThat(answers.get(id)).as("predictions for %s", id).isEqualTo(1);
            }
        }
    }

    private static byte[] png(int w, int h) {
        return EncodedImages.png(w, h, 0, 0, 0x808080);
    }
}

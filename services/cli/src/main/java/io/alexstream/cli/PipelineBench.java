package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.CropMode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The product paths of the benchmark: a real broker in this process, the packaged ingest and
 * worker applications as child processes (as in production), images posted over HTTP and
 * answered on the predictions topic; then unary gRPC Classify at concurrency 1.
 */
final class PipelineBench {

    /** What the Kafka path and gRPC measurements found. */
    record Figures(double kafkaImagesPerSecond, double kafkaSeconds, int images, double meanBatch, double grpcP50Ms,
                   double grpcP99Ms, int grpcCalls) {
    }

    private PipelineBench() {
    }

    static Figures run(Path root, Path workDir, Path weights, String profile, int images, int grpcCalls) throws Exception {
        Path ingestJar = root.resolve("services/ingest/target/quarkus-app/quarkus-run.jar");
        Path workerJar = root.resolve("services/worker/target/quarkus-app/quarkus-run.jar");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"), 0)) {
            kafka.createTopics(Map.of("images", 1, "images.labeled", 1, "predictions", 1, "images.dead-letter", 1));
            try (ServiceProcess ingest = ServiceProcess.quarkusApp("ingest", ingestJar)
                         .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                         .log(workDir.resolve("ingest.log")).start();
                 ServiceProcess worker = ServiceProcess.quarkusApp("worker", workerJar)
                         .jvmOption("-Xmx4g")
                         .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                         .property("alexstream.worker.profile", profile)
                         .property("alexstream.worker.weights-file", weights)
                         .property("alexstream.worker.id", "bench-worker")
                         .log(workDir.resolve("worker.log")).start()) {
                ingest.awaitReady(Duration.ofSeconds(90));
                worker.awaitReady(Duration.ofSeconds(180));
                byte[] image = jpeg(320, 256);
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                try (KafkaConsumer<String, String> predictions = consumer(kafka)) {
                    predictions.subscribe(List.of("predictions"));
                    // warm-up: the worker's first session runs pay for graph optimisation
                    awaitAnswers(predictions, post(http, ingest, image, 8));
                    long t0 = System.nanoTime();
                    List<String> ids = post(http, ingest, image, images);
                    awaitAnswers(predictions, ids);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    String metrics = http.send(HttpRequest.newBuilder(worker.uri("/q/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    double meanBatch = metric(metrics, "alexstream_worker_batch_size_sum") / metric(metrics, "alexstream_worker_batch_size_count");

                    double[] latencies = grpcLatencies(worker.port(), image, grpcCalls);
                    return new Figures(images / seconds, seconds, images, meanBatch, percentile(latencies, 0.5), percentile(latencies, 0.99),
                            grpcCalls);
                }
            }
        }
    }

    /** Posts {@code count} copies with up to 16 requests in flight; returns the ids ingest gave them. */
    private static List<String> post(HttpClient http, ServiceProcess ingest, byte[] image, int count) throws Exception {
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<String>> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(ingest.uri("/v1/images")).header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
            ids.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release())
                    .thenApply(response -> {
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
                        }
                        String body = response.body();
                        int start = body.indexOf("[\"") + 2;
                        return body.substring(start, body.indexOf('"', start));
                    }));
        }
        List<String> result = new ArrayList<>();
        for (CompletableFuture<String> id : ids) {
            result.add(id.get(60, TimeUnit.SECONDS));
        }
        return result;
    }

    private static void awaitAnswers(KafkaConsumer<String, String> consumer, List<String> ids) {
        Set<String> waiting = new HashSet<>(ids);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!waiting.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(waiting.size() + " images got no prediction in 5 minutes");
            }
            consumer.poll(Duration.ofMillis(100)).forEach(record -> waiting.remove(record.key()));
        }
    }

    private static double[] grpcLatencies(int port, byte[] image, int calls) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            ClassifyRequest request = ClassifyRequest.newBuilder().setImage(ByteString.copyFrom(image)).setTopK(5)
                    .setCropMode(CropMode.TEN_CROP).build();
            for (int i = 0; i < 3; i++) {
                classifier.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request);
            }
            double[] millis = new double[calls];
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                classifier.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request);
                millis[i] = (System.nanoTime() - t0) / 1e6;
            }
            return millis;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The value of the first sample of {@code name} in a Prometheus text exposition; NaN when absent. */
    static double metric(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-observer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /** A photo-sized JPEG with some structure (gradients and a disc), as a camera would send. */
    private static byte[] jpeg(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean disc = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2) < 80 * 80;
                int r = disc ? 220 : x * 255 / width;
                int g = disc ? 40 : y * 255 / height;
                image.setRGB(x, y, (r << 16) | (g << 8) | 128);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}

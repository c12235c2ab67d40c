package io.alexstream.bench;

import io.alexstream.auth.BearerTokens;
import io.alexstream.contracts.Topics;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The product paths of the benchmark: a real broker in this process, the packaged ingest and worker applications as
 * child processes (as in production), images posted over HTTP and answered on the predictions topic; then unary gRPC
 * Classify at concurrency 1, the delivery modes, a worker draining a backlog and the trainer. Every service figure
 * is taken with the bare engine measured right beside it.
 */
final class PipelineBench {

    /**
     * Predictions of the stream before its timed window opens. The services' JIT compilers stay busy for 15-20 s
     * after a stream starts: with the window opening after 64, it held 0.75 CPU s of the worker's compiler threads,
     * 0.69 of this process's and 0.27 of ingest's, over a third of what everything but the session used. A sustained
     * stream is past that stretch (though this process's compiler never quite stops: the broker's and the clients').
     */
    private static final int SETTLING_IMAGES = 128;
    /**
     * Timed windows of the stream, each with the bare engine measured before and after it (the after of one is the
     * before of the next); the Kafka path's ratio is their median. This VM's speed drifts by 10-25% within a minute
     * (the engine alone, measured twice 20 s apart, gave 7.30 and 9.59 images/s), so one window's ratio was as much
     * the machine's as the path's.
     */
    static final int KAFKA_WINDOWS = 3;

    private PipelineBench() {}

    static PipelineFigures run(
            Path root,
            Path workDir,
            Path weights,
            String profile,
            int images,
            int grpcCalls,
            TrainerRun trainerRun,
            BareSettings bare)
            throws Exception {
        String workerToken = BearerTokens.generate();
        // chosen now: the draining worker registers with the trainer that starts after it
        int trainerPort = ServiceProcess.freePort();
        String operatorToken = BearerTokens.generate();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"), 0)) {
            kafka.createTopics(
                    Map.of(Topics.IMAGES, 1, Topics.LABELED, 1, Topics.PREDICTIONS, 1, Topics.DEAD_LETTERS, 1));
            BenchServices services = new BenchServices(root, workDir, kafka, profile, weights, workerToken);
            try (ServiceProcess ingest = services.ingest();
                    ServiceProcess first = services.worker(Map.of(), "worker.log")) {
                ingest.awaitReady(Duration.ofSeconds(90));
                first.awaitReady(Duration.ofSeconds(180));
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                byte[] image = BenchImages.photo(320, 256);
                IngestPoster poster = new IngestPoster(http, ingest, image);
                try (KafkaConsumer<String, String> predictions = consumer(kafka)) {
                    predictions.subscribe(List.of(Topics.PREDICTIONS));
                    SteadyStream stream = new SteadyStream(poster, predictions);
                    // warm-up: the worker's first session runs pay for graph optimisation, and every JVM compiles
                    WarmUp.run(stream, first.pid(), ingest.pid());
                    List<KafkaWindow> windows = kafkaWindows(stream, bare, images, first, ingest);

                    double singleBefore = BareSettings.beside(
                            "single-image ms before the gRPC calls", bare::singleImageMs, first.pid(), ingest.pid());
                    double[] grpcCpuBefore = CpuMeter.cpuSeconds(first.pid(), ingest.pid());
                    long grpcStarted = System.nanoTime();
                    GrpcLatency.Calls latencies = GrpcLatency.millis(first.grpcPort(), image, grpcCalls);
                    double grpcSeconds = (System.nanoTime() - grpcStarted) / 1e9;
                    double[] grpcCpu = CpuMeter.cpuSince(grpcCpuBefore, first.pid(), ingest.pid());
                    Reference singleImageReference = new Reference(
                            singleBefore,
                            BareSettings.beside(
                                    "single-image ms after the gRPC calls",
                                    bare::singleImageMs,
                                    first.pid(),
                                    ingest.pid()));
                    System.out.printf(
                            Locale.ROOT,
                            "  CPU seconds in the %.1f s of gRPC calls: worker %.1f, ingest %.1f, "
                                    + "this process %.1f%n",
                            grpcSeconds,
                            grpcCpu[0],
                            grpcCpu[1],
                            grpcCpu[2]);

                    first.close();
                    Delivery delivery = compareDeliveries(services, stream, ingest, images);

                    // the worker on its own: images that wait in the topic (posted while no worker ran) drained by a
                    // fresh worker of the same group, without ingest and the posting client on the same two cores
                    List<String> waiting = poster.post(images);
                    ingest.close();
                    try (ServiceProcess worker = services.worker(
                            Map.of(
                                    "alexstream.worker.trainer-address",
                                    "localhost:" + trainerPort,
                                    // the trainer starts after the drain: the worker serves its weights file meanwhile
                                    "alexstream.worker.trainer-sync-seconds",
                                    1),
                            "worker-drain.log")) {
                        worker.awaitReady(Duration.ofSeconds(180));
                        double drainRate = Drain.await(predictions, waiting);
                        // the worker starts consuming as soon as it is ready: the engine is measured after the drain
                        Reference drainReference = new Reference(
                                Double.NaN,
                                BareSettings.beside(
                                        "10-crop images/s after the drain", bare::inferImagesPerSecond, worker.pid()));
                        TrainerFigures trainer = trainerRun == null
                                ? TrainerFigures.NONE
                                : TrainerBench.run(
                                        services, http, kafka, trainerRun, trainerPort, worker, bare, operatorToken);
                        return new PipelineFigures(
                                windows,
                                images,
                                drainRate,
                                drainReference,
                                Percentiles.of(latencies.classify(), 0.5),
                                Percentiles.of(latencies.classify(), 0.99),
                                Percentiles.of(latencies.oip(), 0.5),
                                Percentiles.of(latencies.oip(), 0.99),
                                grpcCalls,
                                singleImageReference,
                                trainer,
                                delivery);
                    }
                }
            }
        }
    }

    /** {@link #KAFKA_WINDOWS} timed stretches of the stream, each printed with where the CPU went in it. */
    private static List<KafkaWindow> kafkaWindows(
            SteadyStream stream, BareSettings bare, int images, ServiceProcess worker, ServiceProcess ingest)
            throws Exception {
        List<KafkaWindow> windows = new ArrayList<>();
        double inferBefore = BareSettings.beside(
                "10-crop images/s before Kafka window 1", bare::inferImagesPerSecond, worker.pid(), ingest.pid());
        for (int window = 1; window <= KAFKA_WINDOWS; window++) {
            SteadyStream.Sustained sustained = stream.sustain(SETTLING_IMAGES, images, worker.pid(), ingest.pid());
            double seconds = sustained.seconds();
            double sessionSeconds = sustained.sessionSeconds();
            double inferAfter = BareSettings.beside(
                    "10-crop images/s after Kafka window " + window,
                    bare::inferImagesPerSecond,
                    worker.pid(),
                    ingest.pid());
            KafkaWindow timed =
                    new KafkaWindow(images / seconds, sustained.meanBatch(), new Reference(inferBefore, inferAfter));
            windows.add(timed);
            // where the two cores went during the window: the worker's share is what the bare engine had to itself
            double[] cpu = sustained.cpu();
            System.out.printf(
                    Locale.ROOT,
                    "  Kafka window %d: %d images in %.1f s, %.2f images/s (mean batch %.1f); "
                            + "bare engine beside it %.2f (%.2f before, %.2f after): ratio %.3f%n",
                    window,
                    images,
                    seconds,
                    timed.imagesPerSecond(),
                    timed.meanBatch(),
                    timed.reference().value(),
                    inferBefore,
                    inferAfter,
                    timed.ratio());
            System.out.printf(
                    Locale.ROOT,
                    "    CPU seconds in it (2 cores: %.1f): worker %.1f, ingest %.1f, "
                            + "this process (broker and posting client) %.1f; "
                            + "per image: worker %.0f ms, ingest %.1f ms, this process %.1f ms%n",
                    2 * seconds,
                    cpu[0],
                    cpu[1],
                    cpu[2],
                    1e3 * cpu[0] / images,
                    1e3 * cpu[1] / images,
                    1e3 * cpu[2] / images);
            System.out.printf(
                    Locale.ROOT,
                    "    worker session runs took %.1f s of the %.1f s (%.0f%%); %.1f ms of session "
                            + "time per image%n",
                    sessionSeconds,
                    seconds,
                    100 * sessionSeconds / seconds,
                    1e3 * sessionSeconds / images);
            inferBefore = inferAfter;
        }
        return windows;
    }

    /**
     * One fresh worker per delivery mode, one after the other, each timed over a window of {@code images} after
     * {@link #SETTLING_IMAGES}: both JVMs equally cold, so the ratio is the modes', not the JIT's.
     */
    private static Delivery compareDeliveries(
            BenchServices services, SteadyStream stream, ServiceProcess ingest, int images) throws Exception {
        double[] rates = new double[2];
        for (int mode = 0; mode < 2; mode++) {
            boolean exactlyOnce = mode == 1;
            try (ServiceProcess worker = services.worker(
                    Map.of("alexstream.worker.exactly-once", exactlyOnce),
                    exactlyOnce ? "worker-exactly-once.log" : "worker-at-least-once.log")) {
                worker.awaitReady(Duration.ofSeconds(180));
                SteadyStream.Sustained sustained = stream.sustain(SETTLING_IMAGES, images, worker.pid(), ingest.pid());
                rates[mode] = images / sustained.seconds();
                System.out.printf(
                        Locale.ROOT,
                        "  Kafka path, a fresh worker delivering %s: %.2f images/s " + "(mean batch %.1f)%n",
                        exactlyOnce ? "exactly once" : "at least once",
                        rates[mode],
                        sustained.meanBatch());
            }
        }
        return new Delivery(rates[0], rates[1]);
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-observer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // an exactly-once worker's predictions count once committed, as its consumers would see them
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }
}

package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
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
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The product paths of the benchmark: a real broker in this process, the packaged ingest and
 * worker applications as child processes (as in production), images posted over HTTP and
 * answered on the predictions topic; then unary gRPC Classify at concurrency 1.
 */
final class PipelineBench {

    /** What the Kafka path and gRPC measurements found. */
    record Figures(List<KafkaWindow> kafkaWindows, int images,
                   double drainImagesPerSecond, Reference drainReference, double grpcP50Ms, double grpcP99Ms, int grpcCalls,
                   Reference singleImageReferenceMs, double pushSeconds, double warmPushSeconds, double trainerImagesPerSecond,
                   double trainerSteadyImagesPerSecond, int trainerSteps, Reference trainReference, Delivery delivery) {

        /** The window whose ratio is the median of all windows': the Kafka path's figure. */
        KafkaWindow kafka() {
            List<KafkaWindow> byRatio = new ArrayList<>(kafkaWindows);
            byRatio.sort(java.util.Comparator.comparingDouble(KafkaWindow::ratio));
            return byRatio.get((byRatio.size() - 1) / 2);
        }
    }

    /** One timed stretch of the steady stream, and the bare engine measured just before and just after it. */
    record KafkaWindow(double imagesPerSecond, double meanBatch, Reference reference) {
        double ratio() {
            return imagesPerSecond / reference.value();
        }
    }

    /**
     * The bare engine's figure measured in this process right beside a service measurement (just before and just
     * after it, while the services idle): the denominator of that service's ratio.
     */
    record Reference(double before, double after) {
        static final Reference NONE = new Reference(Double.NaN, Double.NaN);

        /** The mean of the sides that were measured. */
        double value() {
            if (Double.isNaN(before)) {
                return after;
            }
            return Double.isNaN(after) ? before : (before + after) / 2;
        }
    }

    /** How the bench's own engine is measured beside the services: its best inference batch and its training step. */
    record BareSettings(BareEngine engine, int inferBatch, int trainBatch, int trainSteps) {
        double inferImagesPerSecond() {
            return engine.inferImagesPerSecond(inferBatch, Math.max(4, REFERENCE_IMAGES / inferBatch));
        }

        double singleImageMs() {
            return engine.inferSeconds(1, SINGLE_IMAGE_RUNS) * 1e3;
        }

        double trainImagesPerSecond() {
            return trainBatch > 0 ? trainBatch / engine.trainStepSeconds(trainBatch, trainSteps) : Double.NaN;
        }
    }

    /**
     * The stream runs before the first window until the JIT compilers of the worker, ingest and this process together
     * use less than this many cores: the windows time the sustained path, not the JVMs' start. Sampling each thread's
     * CPU from /proc every 2 s showed those compilers at 0.25-0.35 core in a stream's first minute, 0.07-0.16 core in its
     * second and about 0.03-0.05 from the third on (the broker's and the clients' code reach C2's thresholds slowly at 10
     * records a second). Windows that opened after a fixed 384-image warm-up (40-70 s) measured 0.827-0.963, with 10-15
     * CPU-ms per image in this process and 4-7 in ingest; windows of the same code after 1,920 images measured 0.927,
     * 0.968 and 0.969, with 6-8 and 3.0-3.3.
     */
    static final double SETTLED_COMPILER_CORES = 0.05;
    /** Images of one warm-up stretch (plus the outstanding ones): the compilers' rate is taken over each, 25-35 s here. */
    static final int WARM_UP_STRETCH_IMAGES = 256;
    /** Warm-up stretches at least: the first holds the compilers' busiest minute whatever the rate at its end. */
    static final int MIN_WARM_UP_STRETCHES = 2;
    /** The warm-up ends after this even if the compilers never settle (the windows then say so in its line). */
    static final Duration MAX_WARM_UP = Duration.ofMinutes(5);
    /** Linux's USER_HZ, the unit of the per-thread times in /proc: 100 on every architecture the JDK ships for. */
    private static final double CLOCK_TICKS_PER_SECOND = 100;
    /** Images per bare inference reference (median of their session runs): 2-4 s of this machine's time. */
    private static final int REFERENCE_IMAGES = 32;
    /**
     * Images posted and not yet answered while the Kafka path is timed: four batches of 16 (the largest swept), so
     * the worker always finds a full batch behind the one it runs, as under a sustained load.
     */
    private static final int OUTSTANDING_IMAGES = 64;
    /**
     * Predictions of the stream before its timed window opens. The services' JIT compilers stay busy for 15-20 s after
     * a stream starts: with the window opening after 64, it held 0.75 CPU s of the worker's compiler threads, 0.69 of
     * this process's and 0.27 of ingest's, over a third of what everything but the session used. A sustained stream is
     * past that stretch (though this process's compiler never quite stops: the broker's and the clients' code).
     */
    private static final int SETTLING_IMAGES = 128;
    private static final int SINGLE_IMAGE_RUNS = 9;
    /**
     * Timed windows of the stream, each with the bare engine measured before and after it (the after of one is the
     * before of the next); the Kafka path's ratio is their median. This VM's speed drifts by 10-25% within a minute
     * (the engine alone, measured twice 20 s apart, gave 7.30 and 9.59 images/s), so one window's ratio was as much
     * the machine's as the path's.
     */
    static final int KAFKA_WINDOWS = 3;

    /**
     * The Kafka path at each delivery mode, fresh workers taken one after the other in the same sitting: at-least-once
     * (the default) and exactly-once (a transaction per poll; predictions read read_committed).
     */
    record Delivery(double atLeastOnceImagesPerSecond, double exactlyOnceImagesPerSecond) {
        double ratio() {
            return exactlyOnceImagesPerSecond / atLeastOnceImagesPerSecond;
        }
    }

    /** The trainer part: a version already in its store (pushed at its start), and how many labeled images to train on. */
    record TrainerRun(Path seededVersions, int labeledImages, int classes) {
    }

    private PipelineBench() {
    }

    static Figures run(Path root, Path workDir, Path weights, String profile, int images, int grpcCalls, TrainerRun trainerRun,
                       BareSettings bare)
            throws Exception {
        Path ingestJar = root.resolve("services/ingest/target/quarkus-app/quarkus-run.jar");
        Path workerJar = root.resolve("services/worker/target/quarkus-app/quarkus-run.jar");
        Path trainerJar = root.resolve("services/trainer/target/quarkus-app/quarkus-run.jar");
        String workerToken = io.alexstream.auth.BearerTokens.generate();
        // chosen now: the draining worker registers with the trainer that starts after it
        int trainerPort = ServiceProcess.freePort();
        String operatorToken = io.alexstream.auth.BearerTokens.generate();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"), 0)) {
            kafka.createTopics(Map.of(Topics.IMAGES, 1, Topics.LABELED, 1, Topics.PREDICTIONS, 1, Topics.DEAD_LETTERS, 1));
            try (ServiceProcess ingest = ServiceProcess.quarkusApp("ingest", ingestJar)
                         .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                         .log(workDir.resolve("ingest.log")).start();
                 ServiceProcess first = worker(workerJar, kafka, profile, weights, workDir, workerToken, Map.of(), "worker.log")) {
                ingest.awaitReady(Duration.ofSeconds(90));
                first.awaitReady(Duration.ofSeconds(180));
                byte[] image = jpeg(320, 256);
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                try (KafkaConsumer<String, String> predictions = consumer(kafka)) {
                    predictions.subscribe(List.of(Topics.PREDICTIONS));
                    // warm-up: the worker's first session runs pay for graph optimisation, and every JVM compiles its hot paths
                    warmUp(http, ingest, image, predictions, first.pid(), ingest.pid());
                    List<KafkaWindow> windows = new ArrayList<>();
                    double inferBefore = beside("10-crop images/s before Kafka window 1", bare::inferImagesPerSecond, first.pid(), ingest.pid());
                    for (int window = 1; window <= KAFKA_WINDOWS; window++) {
                        Sustained sustained = sustain(http, ingest, image, predictions, SETTLING_IMAGES, images, first.pid(),
                                ingest.pid());
                        double seconds = sustained.seconds();
                        double sessionSeconds = sustained.sessionSeconds();
                        double inferAfter = beside("10-crop images/s after Kafka window " + window, bare::inferImagesPerSecond,
                                first.pid(), ingest.pid());
                        KafkaWindow timed = new KafkaWindow(images / seconds, sustained.meanBatch(), new Reference(inferBefore, inferAfter));
                        windows.add(timed);
                        // where the two cores went during the window: the worker's share is what the bare engine had to itself
                        double[] cpu = sustained.cpu();
                        System.out.printf(java.util.Locale.ROOT, "  Kafka window %d: %d images in %.1f s, %.2f images/s (mean batch %.1f); "
                                        + "bare engine beside it %.2f (%.2f before, %.2f after): ratio %.3f%n", window, images, seconds,
                                timed.imagesPerSecond(), timed.meanBatch(), timed.reference().value(), inferBefore, inferAfter, timed.ratio());
                        System.out.printf(java.util.Locale.ROOT, "    CPU seconds in it (2 cores: %.1f): worker %.1f, ingest %.1f, "
                                        + "this process (broker and posting client) %.1f; per image: worker %.0f ms, ingest %.1f ms, this process %.1f ms%n",
                                2 * seconds, cpu[0], cpu[1], cpu[2], 1e3 * cpu[0] / images, 1e3 * cpu[1] / images, 1e3 * cpu[2] / images);
                        System.out.printf(java.util.Locale.ROOT, "    worker session runs took %.1f s of the %.1f s (%.0f%%); %.1f ms of session time per image%n",
                                sessionSeconds, seconds, 100 * sessionSeconds / seconds, 1e3 * sessionSeconds / images);
                        inferBefore = inferAfter;
                    }

                    double singleBefore = beside("single-image ms before the gRPC calls", bare::singleImageMs, first.pid(), ingest.pid());
                    double[] grpcCpuBefore = cpuSeconds(first.pid(), ingest.pid());
                    long grpcStarted = System.nanoTime();
                    double[] latencies = grpcLatencies(first.grpcPort(), image, grpcCalls);
                    double grpcSeconds = (System.nanoTime() - grpcStarted) / 1e9;
                    double[] grpcCpu = cpuSince(grpcCpuBefore, first.pid(), ingest.pid());
                    Reference singleImageReference = new Reference(singleBefore,
                            beside("single-image ms after the gRPC calls", bare::singleImageMs, first.pid(), ingest.pid()));
                    System.out.printf(java.util.Locale.ROOT, "  CPU seconds in the %.1f s of gRPC calls: worker %.1f, ingest %.1f, this process %.1f%n",
                            grpcSeconds, grpcCpu[0], grpcCpu[1], grpcCpu[2]);

                    first.close();
                    Delivery delivery = compareDeliveries(http, ingest, image, predictions, workerJar, kafka, profile, weights, workDir,
                            workerToken, images);

                    // the worker on its own: images that wait in the topic (posted while no worker ran) drained by a fresh
                    // worker of the same group, without ingest and the posting client on the same two cores
                    List<String> waiting = post(http, ingest, image, images);
                    ingest.close();
                    ServiceProcess worker = worker(workerJar, kafka, profile, weights, workDir, workerToken, Map.of(
                            "alexstream.worker.trainer-address", "localhost:" + trainerPort,
                            // the trainer starts after the drain: the worker serves its weights file meanwhile
                            "alexstream.worker.trainer-sync-seconds", 1), "worker-drain.log");
                    try (worker) {
                        worker.awaitReady(Duration.ofSeconds(180));
                        double drainRate = awaitDrain(predictions, waiting);
                        // the worker starts consuming as soon as it is ready, so the engine is measured after the drain only
                        Reference drainReference = new Reference(Double.NaN,
                                beside("10-crop images/s after the drain", bare::inferImagesPerSecond, worker.pid()));
                        double pushSeconds = Double.NaN;
                        double warmPushSeconds = Double.NaN;
                        double trainerRate = Double.NaN;
                        double trainerSteadyRate = Double.NaN;
                        int trainerSteps = 0;
                        Reference trainReference = Reference.NONE;
                        if (trainerRun != null) {
                            // encoded now: encoding them while the round ran took the trainer's CPU
                            List<LabeledImage> labeled = labeledImages(trainerRun);
                            try (ServiceProcess trainer = ServiceProcess.quarkusApp("trainer", trainerJar)
                                    .jvmOption("-Xmx6g")
                                    .port(trainerPort)
                                    .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                                    .property("alexstream.trainer.profile", profile)
                                    .property("alexstream.trainer.data-dir", trainerRun.seededVersions().getParent())
                                    .property("alexstream.trainer.workers", "127.0.0.1:" + worker.grpcPort())
                                    .property("alexstream.trainer.min-new-examples", trainerRun.labeledImages() * 8 / 10)
                                    .property("alexstream.trainer.epochs-per-round", 1)
                                    .environment("ALEXSTREAM_AUTH_WORKER_TOKEN", workerToken)
                                    .environment("ALEXSTREAM_AUTH_OPERATOR_TOKEN", operatorToken)
                                    .log(workDir.resolve("trainer.log")).start()) {
                                trainer.awaitReady(Duration.ofSeconds(180));
                                // at start the trainer syncs the listed worker to its current version (the worker pulls it)
                                String status = awaitStatus(http, trainer, s -> s.contains("\"lastPushResult\":\"ok\""), "the push");
                                pushSeconds = number(status, "lastPushSeconds");
                                double trainBefore = beside("training images/s before the round", bare::trainImagesPerSecond, trainer.pid(), worker.pid());
                                double[] roundCpuBefore = cpuSeconds(trainer.pid(), worker.pid());
                                long roundStarted = System.nanoTime();
                                produceLabeled(kafka, labeled);
                                status = awaitStatus(http, trainer, s -> s.contains("\"imagesPerSecond\""), "a training round");
                                double[] roundCpu = cpuSince(roundCpuBefore, trainer.pid(), worker.pid());
                                System.out.printf(java.util.Locale.ROOT, "  CPU seconds from the first labeled image to the round's end (%.1f s): "
                                                + "trainer %.1f, worker %.1f, this process (broker, producer, status polls) %.1f%n",
                                        (System.nanoTime() - roundStarted) / 1e9, roundCpu[0], roundCpu[1], roundCpu[2]);
                                // a round that beat the serving version pushes it; the engine is measured after that push settled
                                awaitRolloutEnd(http, trainer);
                                trainReference = new Reference(trainBefore,
                                        beside("training images/s after the round", bare::trainImagesPerSecond, trainer.pid(), worker.pid()));
                                trainerRate = number(status, "imagesPerSecond");
                                trainerSteadyRate = number(status, "steadyImagesPerSecond");
                                // the same size of artifact again, now that both JVMs are warm: the operator's rollback to version 1
                                warmPushSeconds = rollBackAndTimePush(http, trainer, operatorToken);
                                trainerSteps = (int) Math.round(number(status, "trainingSteps"));
                            }
                        }
                        return new Figures(windows, images, drainRate, drainReference,
                                percentile(latencies, 0.5), percentile(latencies, 0.99), grpcCalls, singleImageReference, pushSeconds,
                                warmPushSeconds, trainerRate, trainerSteadyRate, trainerSteps, trainReference, delivery);
                    }
                }
            }
        }
    }

    private static ServiceProcess worker(Path jar, EmbeddedKafka kafka, String profile, Path weights, Path workDir,
                                         String workerToken, Map<String, Object> properties, String log) throws IOException {
        ServiceProcess.Builder builder = ServiceProcess.quarkusApp("worker", jar)
                // a fixed heap: growing it during a 245 MB push (humongous chunks, fresh regions, a concurrent cycle per
                // chunk batch) made the warm push 3.5-4.7 s; at -Xms4g it took 1.8 s in the same bench configuration. Touched
                // at start: a push's first touch of fresh heap cost the worker 0.5-1 core of system time while it arrived
                .jvmOption("-Xms4g")
                .jvmOption("-Xmx4g")
                .jvmOption("-XX:+AlwaysPreTouch")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.profile", profile)
                .property("alexstream.worker.weights-file", weights)
                .property("alexstream.worker.id", "bench-worker")
                .property("alexstream.worker.state-dir", workDir.resolve("worker-state"))
                .environment("ALEXSTREAM_AUTH_WORKER_TOKEN", workerToken)
                .log(workDir.resolve(log));
        properties.forEach(builder::property);
        return builder.start();
    }

    /**
     * One fresh worker per delivery mode, one after the other, each timed over a window of {@code images} after
     * {@link #SETTLING_IMAGES}: both JVMs equally cold, so the ratio is the modes', not the JIT's.
     */
    private static Delivery compareDeliveries(HttpClient http, ServiceProcess ingest, byte[] image,
                                              KafkaConsumer<String, String> predictions, Path workerJar, EmbeddedKafka kafka,
                                              String profile, Path weights, Path workDir, String workerToken, int images)
            throws Exception {
        double[] rates = new double[2];
        for (int mode = 0; mode < 2; mode++) {
            boolean exactlyOnce = mode == 1;
            try (ServiceProcess worker = worker(workerJar, kafka, profile, weights, workDir, workerToken,
                    Map.of("alexstream.worker.exactly-once", exactlyOnce), exactlyOnce ? "worker-exactly-once.log" : "worker-at-least-once.log")) {
                worker.awaitReady(Duration.ofSeconds(180));
                Sustained sustained = sustain(http, ingest, image, predictions, SETTLING_IMAGES, images, worker.pid(), ingest.pid());
                rates[mode] = images / sustained.seconds();
                System.out.printf(java.util.Locale.ROOT, "  Kafka path, a fresh worker delivering %s: %.2f images/s (mean batch %.1f)%n",
                        exactlyOnce ? "exactly once" : "at least once", rates[mode], sustained.meanBatch());
            }
        }
        return new Delivery(rates[0], rates[1]);
    }

    /**
     * The timed stretch of a steady stream: its seconds, the session time behind it, the mean images per session run,
     * and the CPU each process used in it.
     */
    record Sustained(double seconds, double sessionSeconds, double meanBatch, double[] cpu) {
    }

    /**
     * A steady stream through the whole path: images are posted so that {@link #OUTSTANDING_IMAGES} are always posted
     * and not yet answered (a new one for every prediction, as many clients would), and the {@code timed} predictions
     * after the first {@code settling} are timed, while the posting goes on behind them (none: a warm-up). The start and the
     * end of the stream, when the worker waits for the first images or answers the last ones with nothing behind
     * them, are outside the window; ingest's work, the broker's and the worker's overlap in it as they would in service.
     */
    private static Sustained sustain(HttpClient http, ServiceProcess ingest, byte[] image, KafkaConsumer<String, String> predictions,
                                     int settling, int timed, long... pids) throws Exception {
        int total = settling + timed + OUTSTANDING_IMAGES;
        Semaphore room = new Semaphore(OUTSTANDING_IMAGES);
        List<CompletableFuture<String>> posted = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicReference<Throwable> refused = new java.util.concurrent.atomic.AtomicReference<>();
        Thread poster = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                try {
                    room.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                posted.add(postOne(http, ingest, image).whenComplete((id, failure) -> {
                    if (failure != null) {
                        refused.compareAndSet(null, failure);
                    }
                }));
            }
        }, "bench-poster");
        poster.setDaemon(true);
        Set<String> answered = new HashSet<>();
        double sessionSeconds = 0;
        double runs = 0;
        double[] cpuBefore = null;
        long started = 0;
        double seconds = Double.NaN;
        double[] cpu = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        poster.start();
        try {
            while (answered.size() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException((total - answered.size()) + " of the stream's images got no prediction in 5 minutes");
                }
                if (refused.get() != null) {
                    throw new IllegalStateException("a post of the stream failed: " + refused.get().getMessage(), refused.get());
                }
                for (ConsumerRecord<String, String> record : predictions.poll(Duration.ofMillis(50))) {
                    // only this stream posts now, so every new key is one of its images
                    if (!answered.add(record.key())) {
                        continue;
                    }
                    room.release();
                    int count = answered.size();
                    if (timed > 0 && count == settling) {
                        // a warm-up (nothing timed) has no window to read the CPU for
                        cpuBefore = cpuSeconds(pids);
                        started = System.nanoTime();
                    } else if (count > settling && count <= settling + timed) {
                        double batch = number(record.value(), "batch_size");
                        sessionSeconds += number(record.value(), "inference_seconds") / batch;
                        // each image is 1/batch of its run, so these sum to the runs behind the window
                        runs += 1 / batch;
                        if (count == settling + timed) {
                            seconds = (System.nanoTime() - started) / 1e9;
                            cpu = cpuSince(cpuBefore, pids);
                        }
                    }
                }
            }
        } finally {
            poster.interrupt();
        }
        poster.join(TimeUnit.SECONDS.toMillis(10));
        for (CompletableFuture<String> id : posted) {
            id.get(60, TimeUnit.SECONDS);
        }
        return new Sustained(seconds, sessionSeconds, timed / runs, cpu);
    }

    /**
     * Streams in stretches of {@link #WARM_UP_STRETCH_IMAGES} until the JIT compilers of the services and of this process
     * settle below {@link #SETTLED_COMPILER_CORES} over a stretch (at least {@link #MIN_WARM_UP_STRETCHES}, at most
     * {@link #MAX_WARM_UP}); prints each stretch's rate. Where /proc has no per-thread times the minimum is streamed.
     */
    private static void warmUp(HttpClient http, ServiceProcess ingest, byte[] image, KafkaConsumer<String, String> predictions,
                               long workerPid, long ingestPid) throws Exception {
        long[] jvms = {workerPid, ingestPid, ProcessHandle.current().pid()};
        long started = System.nanoTime();
        for (int stretch = 1; ; stretch++) {
            Map<String, Long> compiledBefore = compilerTicksByThread(jvms);
            long stretchStarted = System.nanoTime();
            sustain(http, ingest, image, predictions, WARM_UP_STRETCH_IMAGES, 0, workerPid, ingestPid);
            double seconds = (System.nanoTime() - stretchStarted) / 1e9;
            double compilerCores = compilerSecondsSince(compiledBefore, jvms) / seconds;
            double streamed = (System.nanoTime() - started) / 1e9;
            boolean settled = compilerCores < SETTLED_COMPILER_CORES;
            boolean last = stretch >= MIN_WARM_UP_STRETCHES
                    && (settled || Double.isNaN(compilerCores) || streamed >= MAX_WARM_UP.toSeconds());
            System.out.printf(java.util.Locale.ROOT, "  warm-up stretch %d: %.1f s; the JIT compilers of the worker, ingest and this "
                            + "process used %.3f core%s%n", stretch, seconds, compilerCores,
                    !last ? "" : settled ? " (settled: the windows start)"
                            : Double.isNaN(compilerCores) ? " (no per-thread CPU times here: the windows start)"
                            : String.format(java.util.Locale.ROOT, " (still above %.2f after %.0f s: the windows start anyway)",
                                    SETTLED_COMPILER_CORES, streamed));
            if (last) {
                return;
            }
        }
    }

    /**
     * CPU seconds the JIT compiler threads of these processes used since {@code before} (from {@link #compilerTicksByThread});
     * NaN without Linux's /proc. Counted thread by thread: HotSpot starts and stops compiler threads as the queue needs,
     * and a thread that ended takes its total with it, which in a plain sum would cancel a stretch's work.
     */
    static double compilerSecondsSince(Map<String, Long> before, long... pids) {
        Map<String, Long> now = compilerTicksByThread(pids);
        if (before == null || now == null) {
            return Double.NaN;
        }
        long ticks = 0;
        for (Map.Entry<String, Long> thread : now.entrySet()) {
            ticks += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    /** User and system ticks of each JIT compiler thread of these processes, by "pid/tid"; null without Linux's /proc. */
    static Map<String, Long> compilerTicksByThread(long... pids) {
        Map<String, Long> ticks = new java.util.HashMap<>();
        for (long pid : pids) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (var threads = Files.list(tasks)) {
                for (Path thread : (Iterable<Path>) threads::iterator) {
                    long used = compilerTicks(thread.resolve("stat"));
                    if (used >= 0) {
                        ticks.put(pid + "/" + thread.getFileName(), used);
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                return null;
            }
        }
        return ticks;
    }

    /** User and system ticks of one thread if it is one of HotSpot's compilers, else -1. */
    private static long compilerTicks(Path stat) {
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException e) {
            return -1; // the thread ended since the listing
        }
        return compilerTicks(line);
    }

    /** From a /proc/<pid>/task/<tid>/stat line: utime + stime if the thread is "C1 CompilerThre" or "C2 CompilerThre", else -1. */
    static long compilerTicks(String statLine) {
        int open = statLine.indexOf('(');
        int close = statLine.lastIndexOf(')');
        if (open < 0 || close < open) {
            return -1;
        }
        String name = statLine.substring(open + 1, close);
        if (!name.matches("C[12] CompilerThre.*")) {
            return -1;
        }
        // after the name: state, ppid, ... ; utime and stime are fields 14 and 15 of the line, 12 and 13 after it
        String[] fields = statLine.substring(close + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Posts one image; the future holds the id ingest gave it, or fails with ingest's answer. */
    private static CompletableFuture<String> postOne(HttpClient http, ServiceProcess ingest, byte[] image) {
        HttpRequest request = HttpRequest.newBuilder(ingest.uri("/v1/images")).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 202) {
                throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
            }
            String body = response.body();
            int start = body.indexOf("[\"") + 2;
            return body.substring(start, body.indexOf('"', start));
        });
    }

    /**
     * Images/s of a worker draining {@code ids} that already wait in the topic: from the first prediction to the last
     * (broker timestamps), leaving out the images of the first session run, which also paid for graph optimisation.
     */
    private static double awaitDrain(KafkaConsumer<String, String> consumer, List<String> ids) {
        long[] first = {Long.MAX_VALUE};
        long[] last = {Long.MIN_VALUE};
        int[] firstRun = {0};
        awaitPredictions(consumer, ids, record -> {
            if (record.timestamp() < first[0]) {
                first[0] = record.timestamp();
                firstRun[0] = (int) number(record.value(), "batch_size");
            }
            last[0] = Math.max(last[0], record.timestamp());
        });
        double seconds = (last[0] - first[0]) / 1e3;
        System.out.printf(java.util.Locale.ROOT, "  drained %d waiting images: %d after the first session run in %.1f s%n",
                ids.size(), ids.size() - firstRun[0], seconds);
        // all of them in the first run (a short --pipeline-images): no steady stretch to time
        return ids.size() > firstRun[0] && seconds > 0 ? (ids.size() - firstRun[0]) / seconds : Double.NaN;
    }

    /**
     * Measures the bare engine in this process while the services idle, and prints what they used of the CPU meanwhile
     * (their share would have slowed the engine, so it is on record).
     */
    private static double beside(String what, java.util.function.DoubleSupplier measure, long... servicePids) {
        double[] before = cpuSeconds(servicePids);
        long started = System.nanoTime();
        double value = measure.getAsDouble();
        double[] used = cpuSince(before, servicePids);
        double services = 0;
        for (int i = 0; i < servicePids.length; i++) {
            services += used[i];
        }
        System.out.printf(java.util.Locale.ROOT, "  bare engine, %s: %.2f (the idle services used %.2f CPU seconds in its %.1f s)%n",
                what, value, services, (System.nanoTime() - started) / 1e9);
        return value;
    }

    /** CPU seconds the child processes have used so far, in order, and this process's last. */
    private static double[] cpuSeconds(long... pids) {
        double[] seconds = new double[pids.length + 1];
        for (int i = 0; i < pids.length; i++) {
            seconds[i] = cpuSeconds(pids[i]);
        }
        seconds[pids.length] = ownCpuSeconds();
        return seconds;
    }

    /** CPU seconds used since {@code before} (taken by {@link #cpuSeconds(long...)} with the same pids), each read once. */
    private static double[] cpuSince(double[] before, long... pids) {
        double[] seconds = cpuSeconds(pids);
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] -= before[i];
        }
        return seconds;
    }

    /** CPU time (user + system) a child process has used so far; NaN where the platform does not say. */
    private static double cpuSeconds(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** Posts {@code count} copies with up to 16 requests in flight; returns the ids ingest gave them. */
    private static List<String> post(HttpClient http, ServiceProcess ingest, byte[] image, int count) throws Exception {
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<String>> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            ids.add(postOne(http, ingest, image).whenComplete((id, e) -> inFlight.release()));
        }
        List<String> result = new ArrayList<>();
        for (CompletableFuture<String> id : ids) {
            result.add(id.get(60, TimeUnit.SECONDS));
        }
        return result;
    }

    /** Polls the predictions topic until every id was answered, handing each id's first prediction to {@code answered}. */
    private static void awaitPredictions(KafkaConsumer<String, String> consumer, List<String> ids,
                                         java.util.function.Consumer<ConsumerRecord<String, String>> answered) {
        Set<String> waiting = new HashSet<>(ids);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!waiting.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(waiting.size() + " images got no prediction in 5 minutes");
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                if (waiting.remove(record.key())) {
                    answered.accept(record);
                }
            }
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
            double[] queue = new double[calls];
            double[] preprocess = new double[calls];
            double[] inference = new double[calls];
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                var timings = classifier.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request).getPrediction().getTimings();
                millis[i] = (System.nanoTime() - t0) / 1e6;
                queue[i] = timings.getQueueSeconds() * 1e3;
                preprocess[i] = timings.getPreprocessSeconds() * 1e3;
                inference[i] = timings.getInferenceSeconds() * 1e3;
            }
            // where a call's time goes, as the worker saw it; the rest is the transport and the caller
            System.out.printf(java.util.Locale.ROOT, "  gRPC calls, medians as the worker measured them: queue %.1f ms, preprocess %.1f ms, "
                    + "session run %.1f ms%n", percentile(queue, 0.5), percentile(preprocess, 0.5), percentile(inference, 0.5));
            return millis;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static String awaitStatus(HttpClient http, ServiceProcess trainer, java.util.function.Predicate<String> condition, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = http.send(HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (condition.test(status)) {
                return status;
            }
            if (!trainer.isAlive()) {
                throw new IllegalStateException("the trainer died waiting for " + what + ":\n" + trainer.logTail());
            }
            // seldom: every status request is work the measured trainer does beside its training steps
            Thread.sleep(2000);
        }
        throw new IllegalStateException("no " + what + " in 10 minutes; status " + status + "\n" + trainer.logTail());
    }

    /** The operator's rollback to version 1, and the trainer's time for the push it causes (after the round's rollout ended). */
    private static double rollBackAndTimePush(HttpClient http, ServiceProcess trainer, String operatorToken) throws Exception {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", trainer.port()).usePlaintext().build();
        try {
            io.alexstream.proto.v1.ModelRegistryGrpc.newBlockingStub(channel)
                    .withCallCredentials(new io.alexstream.auth.BearerCredentials(operatorToken))
                    .withDeadlineAfter(5, java.util.concurrent.TimeUnit.MINUTES)
                    .rollback(io.alexstream.proto.v1.RollbackRequest.newBuilder().setVersion(1).build());
        } finally {
            channel.shutdownNow();
        }
        String status = awaitStatus(http, trainer, s -> s.contains("\"servingVersion\":1,") && s.contains("\"lastPushResult\":\"ok\""),
                "the rollback push");
        return number(status, "lastPushSeconds");
    }

    /** Waits until the trainer is idle and not rolling out, then for the worker's copy of a pushed version to disk. */
    private static void awaitRolloutEnd(HttpClient http, ServiceProcess trainer) throws Exception {
        awaitStatus(http, trainer, s -> s.contains("\"activity\":\"IDLE\"") && !s.contains("\"rollout_state\":\"ROLLING_OUT\""),
                "the round's rollout to end");
        Thread.sleep(5000);
    }

    /** The first number after {@code "key":} in a JSON text. */
    static double number(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\":([-0-9.eE]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** A labeled image as the bench produces it to the labeled topic. */
    private record LabeledImage(byte[] jpeg, int label) {
    }

    /** The labeled images of the trainer's round, encoded before anything is timed (encoding 1,024 JPEGs takes seconds). */
    private static List<LabeledImage> labeledImages(TrainerRun run) throws IOException {
        java.util.Random random = new java.util.Random(7);
        List<LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < run.labeledImages(); i++) {
            images.add(new LabeledImage(noisyJpeg(random, 256, 256), random.nextInt(run.classes())));
        }
        return images;
    }

    private static void produceLabeled(EmbeddedKafka kafka, List<LabeledImage> images) {
        Properties props = new Properties();
        props.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(props,
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < images.size(); i++) {
                var record = new org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>(Topics.LABELED, "bench-" + i,
                        images.get(i).jpeg());
                record.headers().add(Headers.LABEL, Integer.toString(images.get(i).label()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static byte[] noisyJpeg(java.util.Random random, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int base = random.nextInt(0xffffff);
        for (int y = 0; y < height; y += 4) {
            for (int x = 0; x < width; x += 4) {
                int rgb = base ^ random.nextInt(0x202020);
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        image.setRGB(x + dx, y + dy, rgb);
                    }
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
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
        // an exactly-once worker's predictions count once committed, as its consumers would see them
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
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

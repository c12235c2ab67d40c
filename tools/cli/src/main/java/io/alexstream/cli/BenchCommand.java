package io.alexstream.cli;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.LayerGeometry;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * {@code bench [--profile paper] [--groups N] [--batches 1,2,4,8,16] [--train-batch 128] [--json]}:
 * the machine's fp32 matmul ceiling, then 10-crop inference and training of the profile,
 * all in one run so the ratios compare like with like.
 */
final class BenchCommand {

    private static final int MATMUL_N = 4096;

    private BenchCommand() {
    }

    static int run(Arguments arguments) {
        AlexNetConfig config = Profiles.byName(arguments.get("profile", Profiles.PAPER));
        if (arguments.options().containsKey("groups")) {
            config = config.withGroups(arguments.getInt("groups", config.groups()));
        }
        int[] batches = Arrays.stream(arguments.get("batches", "1,2,4,8,16").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int trainBatch = arguments.getInt("train-batch", 128);
        int trainSteps = arguments.getInt("train-steps", 3);
        if (trainSteps < 1) {
            throw new IllegalArgumentException("--train-steps must be at least 1 (--train-batch 0 leaves training out), got " + trainSteps);
        }
        boolean json = arguments.flag("json");
        SessionOptions session = SessionOptions.cpu().withThreads(arguments.getInt("threads", SessionOptions.cpuIntraOpThreads()), arguments.getInt("inter", 0));
        int cores = Runtime.getRuntime().availableProcessors();

        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("machine", System.getProperty("os.arch") + ", " + cores + " cores, " + cpuModel());
        figures.put("profile", config.profile());
        figures.put("groups", config.groups());
        figures.put("intra_op_threads", session.intraOpThreads());

        double ceiling = matmulGflops(session, arguments.getInt("matmul-runs", 5));
        figures.put("matmul_gflops", round(ceiling));
        System.out.printf(Locale.ROOT, "fp32 matmul %dx%d x %dx%d: %.1f GFLOP/s (the ceiling); sessions with %d intra-op threads "
                        + "(the services' default on %d cores: %d)%n", MATMUL_N, MATMUL_N, MATMUL_N, MATMUL_N, ceiling, session.intraOpThreads(),
                cores, SessionOptions.cpuIntraOpThreads());

        double flopsPerCrop = 2.0 * LayerGeometry.totalMultiplyAdds(config);
        try (AlexNetModel model = AlexNetModel.create(config, session)) {
            float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
            Arrays.fill(mean, 120f);
            model.initialize(1, mean);
            System.out.printf(Locale.ROOT, "%s profile, groups %d: %.3f GFLOP per crop%n", config.profile(), config.groups(),
                    flopsPerCrop / 1e9);
            BareEngine bare = new BareEngine(model);
            // the sweep and the training step only: the services' measurements below get the machine as it is
            BackgroundLoad load = BackgroundLoad.start(arguments.getInt("background-load-threads", 0));
            if (load.cores() > 0) {
                System.out.printf(Locale.ROOT, "background load: %.2f of a core in busy slices of %d ms (--background-load-threads)%n",
                        load.cores(), BackgroundLoad.BUSY_NANOS / 1_000_000);
                figures.put("background_load_cores", round3(load.cores()));
            }
            double bestRate = 0;
            int bestBatch = 0;
            Double singleMs = null;
            List<Map<String, Object>> rows = new ArrayList<>();
            System.out.printf(Locale.ROOT, "%-8s %-6s %12s %12s %10s %8s%n", "images", "crops", "ms/batch", "images/s",
                    "GFLOP/s", "ratio");
            for (int batch : batches) {
                double seconds = bare.inferSeconds(batch, Math.max(3, 24 / batch));
                double rate = batch / seconds;
                double gflops = rate * Crops.TEN * flopsPerCrop / 1e9;
                System.out.printf(Locale.ROOT, "%-8d %-6d %12.1f %12.2f %10.1f %8.3f%n", batch, batch * 10,
                        seconds * 1e3, rate, gflops, gflops / ceiling);
                rows.add(Map.of("images", batch, "ms", round(seconds * 1e3), "images_per_s", round(rate),
                        "gflops", round(gflops)));
                if (batch == 1) {
                    singleMs = seconds * 1e3;
                }
                if (rate > bestRate) {
                    bestRate = rate;
                    bestBatch = batch;
                }
            }
            double inferGflops = bestRate * Crops.TEN * flopsPerCrop / 1e9;
            figures.put("infer_batch", bestBatch);
            figures.put("infer_images_per_s", round(bestRate));
            figures.put("infer_gflops", round(inferGflops));
            figures.put("infer_ratio", round3(inferGflops / ceiling));
            if (singleMs != null) {
                figures.put("infer_single_ms", round(singleMs));
            }
            figures.put("infer_batches", rows);

            if (trainBatch > 0) {
                double seconds = bare.trainStepSeconds(trainBatch, trainSteps);
                double rate = trainBatch / seconds;
                double gflops = rate * LayerGeometry.trainingFlopsPerCrop(config) / 1e9;
                System.out.printf(Locale.ROOT, "training, batch %d: %.2f s/step, %.1f images/s, %.1f GFLOP/s, ratio %.3f%n",
                        trainBatch, seconds, rate, gflops, gflops / ceiling);
                figures.put("train_batch", trainBatch);
                figures.put("train_step_s", round3(seconds));
                figures.put("train_images_per_s", round(rate));
                figures.put("train_gflops", round(gflops));
                figures.put("train_ratio", round3(gflops / ceiling));
            }
            load.close();
            int pipelineImages = arguments.getInt("pipeline-images", 256);
            if (pipelineImages > 0) {
                model.initialize(1, mean);
                try {
                    pipeline(model, bare, bestBatch, config, figures, pipelineImages, arguments.getInt("grpc-calls", 30),
                            arguments.getInt("trainer-images", 1024), trainBatch, trainSteps);
                } catch (Exception e) {
                    throw new IllegalStateException("the Kafka/gRPC benchmark failed: " + e.getMessage(), e);
                }
            }
        }
        System.out.printf(Locale.ROOT, "inference at batch %s: ratio %s; training: ratio %s%n",
                figures.get("infer_batch"), figures.get("infer_ratio"), figures.get("train_ratio"));
        if (figures.containsKey("kafka_ratio")) {
            System.out.printf(Locale.ROOT, "Kafka path: ratio %s of the bare engine (target >= 0.90); gRPC p50: %s x the engine's single image (target <= 1.2)%n",
                    figures.get("kafka_ratio"), figures.get("grpc_p50_ratio"));
        }
        if (json) {
            System.out.println(Json.write(figures));
        }
        return 0;
    }

    /**
     * Runs ingest -> Kafka -> worker -> predictions and gRPC Classify with this model's weights
     * (written to a work directory the packaged worker loads), after the in-process model is
     * idle, so the services get the whole machine as the bare engine did.
     */
    private static void pipeline(AlexNetModel model, BareEngine bare, int inferBatch, AlexNetConfig config, Map<String, Object> figures,
                                 int images, int grpcCalls, int trainerImages, int trainBatch, int trainSteps) throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of(System.getProperty("alexstream.root", ".")).toAbsolutePath().normalize();
        java.nio.file.Path work = java.nio.file.Files.createTempDirectory("alexstream-bench-");
        java.nio.file.Path weights = work.resolve(config.profile() + ".alxw");
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(weights), 1 << 20)) {
            io.alexstream.engine.weights.WeightsCodec.write(model.export(
                    new io.alexstream.engine.weights.WeightsMetadata(1, null, java.time.Instant.now().toString(), Map.of(), Map.of(), List.of())), out);
        }
        PipelineBench.TrainerRun trainerRun = null;
        if (trainerImages > 0) {
            // version 2 waits in the trainer's store; the trainer pushes it to the worker (serving 1) when it starts; version 1
            // is there too, for the operator's rollback that times a second push between warm JVMs
            java.nio.file.Path versions = java.nio.file.Files.createDirectories(work.resolve("trainer/versions"));
            java.nio.file.Files.copy(weights, versions.resolve("v000001.alxw"));
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(
                    java.nio.file.Files.newOutputStream(versions.resolve("v000002.alxw")), 1 << 20)) {
                io.alexstream.engine.weights.WeightsCodec.write(model.export(new io.alexstream.engine.weights.WeightsMetadata(2, 1L,
                        java.time.Instant.now().toString(), Map.of(), Map.of(), List.of())), out);
            }
            trainerRun = new PipelineBench.TrainerRun(versions, trainerImages, config.numClasses());
        }
        System.out.printf(Locale.ROOT, "Kafka path: broker, packaged ingest and worker (logs in %s; the rest of it is deleted at the end) ...%n", work);
        PipelineBench.Figures found = PipelineBench.run(root, work, weights, config.profile(), images, grpcCalls, trainerRun,
                new PipelineBench.BareSettings(bare, inferBatch, trainBatch, trainSteps));
        // each ratio is taken against the bare engine measured right beside the service (mean of just before and just
        // after); the figure from the start of the run, minutes earlier, is printed beside it
        double startRate = ((Number) figures.get("infer_images_per_s")).doubleValue();
        PipelineBench.KafkaWindow kafka = found.kafka();
        double kafkaRatioVsStart = kafka.imagesPerSecond() / startRate;
        List<Double> kafkaRatios = found.kafkaWindows().stream().map(w -> round3(w.ratio())).toList();
        System.out.printf(Locale.ROOT, "ingest -> Kafka -> worker -> predictions, the median of %d windows of %d images: %.2f images/s (mean batch %.1f); "
                        + "bare engine beside it %.2f images/s (%.2f before, %.2f after): ratio %.3f (windows %s; %.3f against the start's %.2f)%n",
                found.kafkaWindows().size(), found.images(), kafka.imagesPerSecond(), kafka.meanBatch(), kafka.reference().value(),
                kafka.reference().before(), kafka.reference().after(), kafka.ratio(), kafkaRatios, kafkaRatioVsStart, startRate);
        figures.put("kafka_images", found.images());
        figures.put("kafka_images_per_s", round(kafka.imagesPerSecond()));
        figures.put("kafka_mean_batch", round(kafka.meanBatch()));
        figures.put("kafka_reference_images_per_s", round(kafka.reference().value()));
        figures.put("kafka_ratio", round3(kafka.ratio()));
        figures.put("kafka_ratios", kafkaRatios);
        figures.put("kafka_ratio_vs_start", round3(kafkaRatioVsStart));
        PipelineBench.Delivery delivery = found.delivery();
        System.out.printf(Locale.ROOT, "delivery modes, fresh workers one after the other: at least once %.2f images/s, exactly once %.2f: "
                + "ratio %.3f%n", delivery.atLeastOnceImagesPerSecond(), delivery.exactlyOnceImagesPerSecond(), delivery.ratio());
        figures.put("kafka_at_least_once_images_per_s", round(delivery.atLeastOnceImagesPerSecond()));
        figures.put("kafka_exactly_once_images_per_s", round(delivery.exactlyOnceImagesPerSecond()));
        figures.put("exactly_once_vs_at_least_once", round3(delivery.ratio()));
        double drainReference = found.drainReference().value();
        double drainRatio = found.drainImagesPerSecond() / drainReference;
        System.out.printf(Locale.ROOT, "the worker alone, draining images that wait in the topic: %.2f images/s; bare engine right after "
                        + "it %.2f: ratio %.3f (%.3f against the start's)%n", found.drainImagesPerSecond(), drainReference,
                drainRatio, found.drainImagesPerSecond() / startRate);
        figures.put("kafka_drain_images_per_s", round(found.drainImagesPerSecond()));
        figures.put("kafka_drain_ratio", round3(drainRatio));
        double single = found.singleImageReferenceMs().value();
        double grpcRatio = found.grpcP50Ms() / single;
        Number startSingle = (Number) figures.get("infer_single_ms");
        System.out.printf(Locale.ROOT, "gRPC Classify, concurrency 1, %d calls: p50 %.1f ms, p99 %.1f ms; engine single image beside "
                        + "them %.1f ms (%.1f before, %.1f after): ratio %.3f%s%n", found.grpcCalls(), found.grpcP50Ms(), found.grpcP99Ms(),
                single, found.singleImageReferenceMs().before(), found.singleImageReferenceMs().after(), grpcRatio,
                startSingle == null ? "" : String.format(Locale.ROOT, " (%.3f against the start's %.1f ms)",
                        found.grpcP50Ms() / startSingle.doubleValue(), startSingle.doubleValue()));
        figures.put("grpc_p50_ms", round(found.grpcP50Ms()));
        figures.put("grpc_p99_ms", round(found.grpcP99Ms()));
        figures.put("grpc_reference_single_ms", round(single));
        figures.put("grpc_p50_ratio", round3(grpcRatio));
        if (trainerRun != null) {
            long bytes = java.nio.file.Files.size(trainerRun.seededVersions().resolve("v000002.alxw"));
            // a rollout pushes after a round, between services that have been running: that is push_seconds; the push
            // right after both JVMs started (cold JIT, untouched heap) is reported beside it
            System.out.printf(Locale.ROOT, "push + validate + swap of %.0f MB of %s weights, trainer -> worker over loopback: %.2f s "
                            + "between running services (target < 3 s); %.2f s right after both JVMs started%n",
                    bytes / 1e6, config.profile(), found.warmPushSeconds(), found.pushSeconds());
            figures.put("push_seconds", round3(found.warmPushSeconds()));
            figures.put("push_cold_seconds", round3(found.pushSeconds()));
            figures.put("push_bytes", bytes);
            Object startTrain = figures.get("train_images_per_s");
            double startTrainRate = startTrain == null ? Double.NaN : ((Number) startTrain).doubleValue();
            double trainReference = found.trainReference().value();
            double trainerRatio = found.trainerSteadyImagesPerSecond() / trainReference;
            double trainerRoundRatio = found.trainerImagesPerSecond() / trainReference;
            double trainerRatioVsStart = found.trainerSteadyImagesPerSecond() / startTrainRate;
            // steady = the service's training steps after the first (graph warm-up) stretch, as the bare figure leaves out its
            // warm-up step; the round's rate also carries the warm-up and the validation passes
            System.out.printf(Locale.ROOT, "trainer service: %.2f images/s in steady training (%.2f over the whole round, %d steps); "
                            + "bare engine training beside it %.2f images/s (%.2f before, %.2f after): ratio %.3f (target >= 0.90; "
                            + "whole round %.3f; %.3f against the start's %.2f)%n",
                    found.trainerSteadyImagesPerSecond(), found.trainerImagesPerSecond(), found.trainerSteps(), trainReference,
                    found.trainReference().before(), found.trainReference().after(), trainerRatio, trainerRoundRatio, trainerRatioVsStart,
                    startTrainRate);
            figures.put("trainer_images_per_s", round(found.trainerSteadyImagesPerSecond()));
            figures.put("trainer_round_images_per_s", round(found.trainerImagesPerSecond()));
            figures.put("trainer_steps", found.trainerSteps());
            figures.put("trainer_reference_images_per_s", round(trainReference));
            figures.put("trainer_ratio", round3(trainerRatio));
            figures.put("trainer_round_ratio", round3(trainerRoundRatio));
            figures.put("trainer_ratio_vs_start", round3(trainerRatioVsStart));
        }
        // the broker's log, the worker's state and the trainer's versions hold about 1 GB per run; the logs stay
        try (var entries = java.nio.file.Files.list(work)) {
            for (java.nio.file.Path entry : entries.filter(p -> !p.getFileName().toString().endsWith(".log")).toList()) {
                DemoCommand.deleteTree(entry);
            }
        }
    }

    /** Best-of-N seconds of one 4096^3 fp32 matmul, fed from variables so no copy is timed. */
    static double matmulGflops(SessionOptions options, int runs) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Shape shape = Shape.of(MATMUL_N, MATMUL_N);
            Variable<TFloat32> a = tf.variable(shape, TFloat32.class);
            Variable<TFloat32> b = tf.variable(shape, TFloat32.class);
            Placeholder<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            var initA = tf.assign(a, value);
            var initB = tf.assign(b, value);
            var product = tf.linalg.matMul(a, b);
            var checksum = tf.reduceSum(product, tf.constant(new int[] {0, 1}));
            try (Session session = new Session(graph, options.toConfigProto())) {
                float[] data = new float[MATMUL_N * MATMUL_N];
                Random random = new Random(2);
                for (int i = 0; i < data.length; i++) {
                    data[i] = random.nextFloat() - 0.5f;
                }
                try (TFloat32 tensor = TFloat32.tensorOf(shape, org.tensorflow.ndarray.buffer.DataBuffers.of(data, true, false))) {
                    session.runner().feed(value, tensor).addTarget(initA).addTarget(initB).run().close();
                }
                double best = Double.MAX_VALUE;
                for (int r = 0; r < runs + 1; r++) {
                    long t0 = System.nanoTime();
                    try (Result result = session.runner().fetch(checksum).run()) {
                        ((TFloat32) result.get(0)).getFloat();
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (r > 0) {
                        best = Math.min(best, seconds);
                    }
                }
                return 2.0 * MATMUL_N * MATMUL_N * (double) MATMUL_N / best / 1e9;
            }
        }
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : Double.NaN;
    }

    private static double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : Double.NaN;
    }

    private static String cpuModel() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown cpu");
        } catch (java.io.IOException e) {
            return "unknown cpu";
        }
    }
}

package io.alexstream.bench;

import static io.alexstream.bench.BenchFigures.round;
import static io.alexstream.bench.BenchFigures.round3;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.LayerGeometry;
import io.alexstream.engine.runtime.SessionOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One bench run: the machine's fp32 matmul ceiling, then 10-crop inference at each batch and training of the
 * profile, then the services against the bare engine ({@link PipelineRun}), all in one run so the ratios compare
 * like with like. Prints each figure as it is measured and returns them all, keyed as in {@code bench --json}.
 */
public final class Bench {

    private Bench() {}

    public static Map<String, Object> run(BenchOptions options) {
        AlexNetConfig config = options.config();
        SessionOptions session = options.session();
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("machine", System.getProperty("os.arch") + ", " + cores + " cores, " + cpuModel());
        figures.put("profile", config.profile());
        figures.put("groups", config.groups());
        figures.put("intra_op_threads", session.intraOpThreads());
        figures.put("precision", session.precision().label());

        double ceiling = MatmulCeiling.gflops(session, options.matmulRuns());
        figures.put("matmul_gflops", round(ceiling));
        int n = MatmulCeiling.MATMUL_N;
        System.out.printf(
                Locale.ROOT,
                "fp32 matmul %dx%d x %dx%d: %.1f GFLOP/s (the ceiling); sessions with %d intra-op "
                        + "threads (the services' default on %d cores: %d)%n",
                n,
                n,
                n,
                n,
                ceiling,
                session.intraOpThreads(),
                cores,
                SessionOptions.cpuIntraOpThreads());

        double flopsPerCrop = 2.0 * LayerGeometry.totalMultiplyAdds(config);
        try (AlexNetModel model = AlexNetModel.create(config, session)) {
            float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
            Arrays.fill(mean, 120f);
            model.initialize(1, mean);
            System.out.printf(
                    Locale.ROOT,
                    "%s profile, groups %d: %.3f GFLOP per crop%n",
                    config.profile(),
                    config.groups(),
                    flopsPerCrop / 1e9);
            BareEngine bare = new BareEngine(model);
            // the sweep and the training step only: the services' measurements below get the machine as it is
            BackgroundLoad load = BackgroundLoad.start(options.backgroundLoadThreads());
            if (load.cores() > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "background load: %.2f of a core in busy slices of %d ms " + "(--background-load-threads)%n",
                        load.cores(),
                        BackgroundLoad.BUSY_NANOS / 1_000_000);
                figures.put("background_load_cores", round3(load.cores()));
            }
            int bestBatch = sweepInference(bare, options.batches(), flopsPerCrop, ceiling, figures);
            if (options.peerRounds() > 0) {
                PeerBench.run(model, session, bare, options.batches(), options.peerRounds(), figures);
            }
            if (options.trainBatch() > 0) {
                trainingStep(bare, config, options.trainBatch(), options.trainSteps(), ceiling, figures);
            }
            load.close();
            if (options.pipelineImages() > 0) {
                model.initialize(1, mean);
                try {
                    PipelineRun.run(
                            model,
                            new BareSettings(bare, bestBatch, options.trainBatch(), options.trainSteps()),
                            options,
                            figures);
                } catch (Exception e) {
                    throw new IllegalStateException("the Kafka/gRPC benchmark failed: " + e.getMessage(), e);
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "inference at batch %s: ratio %s; training: ratio %s%n",
                figures.get("infer_batch"),
                figures.get("infer_ratio"),
                figures.get("train_ratio"));
        if (figures.containsKey("kafka_ratio")) {
            System.out.printf(
                    Locale.ROOT,
                    "Kafka path: ratio %s of the bare engine (target >= 0.90); gRPC p50: %s x the "
                            + "engine's single image (target <= 1.2)%n",
                    figures.get("kafka_ratio"),
                    figures.get("grpc_p50_ratio"));
        }
        return figures;
    }

    /** 10-crop inference at each batch; returns the batch with the best images/s. */
    private static int sweepInference(
            BareEngine bare, int[] batches, double flopsPerCrop, double ceiling, Map<String, Object> figures) {
        double bestRate = 0;
        int bestBatch = 0;
        Double singleMs = null;
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf(
                Locale.ROOT,
                "%-8s %-6s %12s %12s %10s %8s%n",
                "images",
                "crops",
                "ms/batch",
                "images/s",
                "GFLOP/s",
                "ratio");
        for (int batch : batches) {
            double seconds = bare.inferSeconds(batch, Math.max(3, 24 / batch));
            double rate = batch / seconds;
            double gflops = rate * Crops.TEN * flopsPerCrop / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%-8d %-6d %12.1f %12.2f %10.1f %8.3f%n",
                    batch,
                    batch * 10,
                    seconds * 1e3,
                    rate,
                    gflops,
                    gflops / ceiling);
            rows.add(Map.of(
                    "images", batch, "ms", round(seconds * 1e3), "images_per_s", round(rate), "gflops", round(gflops)));
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
        return bestBatch;
    }

    private static void trainingStep(
            BareEngine bare,
            AlexNetConfig config,
            int trainBatch,
            int trainSteps,
            double ceiling,
            Map<String, Object> figures) {
        double seconds = bare.trainStepSeconds(trainBatch, trainSteps);
        double rate = trainBatch / seconds;
        double gflops = rate * LayerGeometry.trainingFlopsPerCrop(config) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "training, batch %d: %.2f s/step, %.1f images/s, %.1f GFLOP/s, ratio %.3f%n",
                trainBatch,
                seconds,
                rate,
                gflops,
                gflops / ceiling);
        figures.put("train_batch", trainBatch);
        figures.put("train_step_s", round3(seconds));
        figures.put("train_images_per_s", round(rate));
        figures.put("train_gflops", round(gflops));
        figures.put("train_ratio", round3(gflops / ceiling));
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown cpu");
        } catch (IOException e) {
            return "unknown cpu";
        }
    }
}

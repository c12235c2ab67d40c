package io.alexstream.bench;

import static io.alexstream.bench.BenchFigures.round;
import static io.alexstream.bench.BenchFigures.round3;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns what the services' measurements found into the bench's lines and JSON figures. Each ratio is taken against
 * the bare engine measured right beside the service (mean of just before and just after); the figure from the start
 * of the run, minutes earlier, is printed beside it.
 */
final class PipelineReport {

    private PipelineReport() {}

    /** The Kafka path, the delivery modes, the drain and gRPC; {@code figures} holds the start's engine figures. */
    static void report(PipelineFigures found, Map<String, Object> figures) {
        double startRate = ((Number) figures.get("infer_images_per_s")).doubleValue();
        KafkaWindow kafka = found.kafka();
        double kafkaRatioVsStart = kafka.imagesPerSecond() / startRate;
        List<Double> kafkaRatios =
                found.kafkaWindows().stream().map(w -> round3(w.ratio())).toList();
        System.out.printf(
                Locale.ROOT,
                "ingest -> Kafka -> worker -> predictions, the median of %d windows of %d images: "
                        + "%.2f images/s (mean batch %.1f); "
                        + "bare engine beside it %.2f images/s (%.2f before, %.2f after): "
                        + "ratio %.3f (windows %s; %.3f against the start's %.2f)%n",
                found.kafkaWindows().size(),
                found.images(),
                kafka.imagesPerSecond(),
                kafka.meanBatch(),
                kafka.reference().value(),
                kafka.reference().before(),
                kafka.reference().after(),
                kafka.ratio(),
                kafkaRatios,
                kafkaRatioVsStart,
                startRate);
        figures.put("kafka_images", found.images());
        figures.put("kafka_images_per_s", round(kafka.imagesPerSecond()));
        figures.put("kafka_mean_batch", round(kafka.meanBatch()));
        figures.put("kafka_reference_images_per_s", round(kafka.reference().value()));
        figures.put("kafka_ratio", round3(kafka.ratio()));
        figures.put("kafka_ratios", kafkaRatios);
        figures.put("kafka_ratio_vs_start", round3(kafkaRatioVsStart));
        Delivery delivery = found.delivery();
        System.out.printf(
                Locale.ROOT,
                "delivery modes, fresh workers one after the other: at least once %.2f images/s, "
                        + "exactly once %.2f: ratio %.3f%n",
                delivery.atLeastOnceImagesPerSecond(),
                delivery.exactlyOnceImagesPerSecond(),
                delivery.ratio());
        figures.put("kafka_at_least_once_images_per_s", round(delivery.atLeastOnceImagesPerSecond()));
        figures.put("kafka_exactly_once_images_per_s", round(delivery.exactlyOnceImagesPerSecond()));
        figures.put("exactly_once_vs_at_least_once", round3(delivery.ratio()));
        double drainReference = found.drainReference().value();
        double drainRatio = found.drainImagesPerSecond() / drainReference;
        System.out.printf(
                Locale.ROOT,
                "the worker alone, draining images that wait in the topic: %.2f images/s; bare "
                        + "engine right after it %.2f: ratio %.3f (%.3f against the start's)%n",
                found.drainImagesPerSecond(),
                drainReference,
                drainRatio,
                found.drainImagesPerSecond() / startRate);
        figures.put("kafka_drain_images_per_s", round(found.drainImagesPerSecond()));
        figures.put("kafka_drain_ratio", round3(drainRatio));
        double single = found.singleImageReferenceMs().value();
        double grpcRatio = found.grpcP50Ms() / single;
        Number startSingle = (Number) figures.get("infer_single_ms");
        System.out.printf(
                Locale.ROOT,
                "gRPC Classify, concurrency 1, %d calls: p50 %.1f ms, p99 %.1f ms; engine single "
                        + "image beside them %.1f ms (%.1f before, %.1f after): ratio %.3f%s%n",
                found.grpcCalls(),
                found.grpcP50Ms(),
                found.grpcP99Ms(),
                single,
                found.singleImageReferenceMs().before(),
                found.singleImageReferenceMs().after(),
                grpcRatio,
                startSingle == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                " (%.3f against the start's %.1f ms)",
                                found.grpcP50Ms() / startSingle.doubleValue(),
                                startSingle.doubleValue()));
        figures.put("grpc_p50_ms", round(found.grpcP50Ms()));
        figures.put("grpc_p99_ms", round(found.grpcP99Ms()));
        figures.put("grpc_reference_single_ms", round(single));
        figures.put("grpc_p50_ratio", round3(grpcRatio));
        System.out.printf(
                Locale.ROOT,
                "Open Inference Protocol ModelInfer (gRPC), the same image in turn with Classify: p50 %.1f ms, p99 %.1f"
                        + " ms; %.3f of Classify's p50 (target within 10%%)%n",
                found.oipP50Ms(),
                found.oipP99Ms(),
                found.oipP50Ms() / found.grpcP50Ms());
        figures.put("oip_grpc_p50_ms", round(found.oipP50Ms()));
        figures.put("oip_grpc_p99_ms", round(found.oipP99Ms()));
        figures.put("oip_grpc_p50_vs_classify", round3(found.oipP50Ms() / found.grpcP50Ms()));
    }

    /** The pushes and the trainer's round, {@code bytes} being the size of the pushed version. */
    static void reportTrainer(TrainerFigures trainer, long bytes, String profile, Map<String, Object> figures) {
        // a rollout pushes after a round, between services that have been running: that is push_seconds; the push
        // right after both JVMs started (cold JIT, untouched heap) is reported beside it
        System.out.printf(
                Locale.ROOT,
                "push + validate + swap of %.0f MB of %s weights, trainer -> worker over loopback: "
                        + "%.2f s between running services (target < 3 s); %.2f s right after both JVMs started%n",
                bytes / 1e6,
                profile,
                trainer.warmPushSeconds(),
                trainer.pushSeconds());
        figures.put("push_seconds", round3(trainer.warmPushSeconds()));
        figures.put("push_cold_seconds", round3(trainer.pushSeconds()));
        figures.put("push_bytes", bytes);
        Object startTrain = figures.get("train_images_per_s");
        double startTrainRate = startTrain == null ? Double.NaN : ((Number) startTrain).doubleValue();
        double reference = trainer.reference().value();
        double ratio = trainer.steadyImagesPerSecond() / reference;
        double roundRatio = trainer.imagesPerSecond() / reference;
        double ratioVsStart = trainer.steadyImagesPerSecond() / startTrainRate;
        // steady = the service's training steps after the first (graph warm-up) stretch, as the bare figure leaves
        // out its warm-up step; the round's rate also carries the warm-up and the validation passes
        System.out.printf(
                Locale.ROOT,
                "trainer service: %.2f images/s in steady training (%.2f over the whole round, "
                        + "%d steps); bare engine training beside it %.2f images/s (%.2f before, %.2f after): "
                        + "ratio %.3f "
                        + "(target >= 0.90; whole round %.3f; %.3f against the start's %.2f)%n",
                trainer.steadyImagesPerSecond(),
                trainer.imagesPerSecond(),
                trainer.steps(),
                reference,
                trainer.reference().before(),
                trainer.reference().after(),
                ratio,
                roundRatio,
                ratioVsStart,
                startTrainRate);
        figures.put("trainer_images_per_s", round(trainer.steadyImagesPerSecond()));
        figures.put("trainer_round_images_per_s", round(trainer.imagesPerSecond()));
        figures.put("trainer_steps", trainer.steps());
        figures.put("trainer_reference_images_per_s", round(reference));
        figures.put("trainer_ratio", round3(ratio));
        figures.put("trainer_round_ratio", round3(roundRatio));
        figures.put("trainer_ratio_vs_start", round3(ratioVsStart));
    }
}

package io.alexstream.bench;

import static io.alexstream.bench.BenchFigures.round;
import static io.alexstream.bench.BenchFigures.round3;

import io.alexstream.bench.peer.Agreement;
import io.alexstream.bench.peer.PeerEngine;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.runtime.Precision;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The engine against the peer (ONNX Runtime on the same network and weights, {@link PeerEngine}): first the two
 * engines' probabilities on the same crops, then 10-crop inference at each batch, ours then the peer's, then rounds
 * of ours, peer, ours, peer at batch 1 and at each one's best batch, so the machine's drift falls on both alike.
 */
final class PeerBench {

    /** Largest difference between the two engines' probabilities, relative to the largest probability of a crop. */
    static final double RELATIVE_TOLERANCE = 1e-3;

    private static final int CHECK_IMAGES = 2;

    private PeerBench() {}

    static void run(
            AlexNetModel model,
            SessionOptions session,
            BareEngine bare,
            int[] batches,
            int rounds,
            Map<String, Object> figures) {
        ModelWeights weights =
                model.export(new WeightsMetadata(1, null, Instant.now().toString(), Map.of(), Map.of(), List.of()));
        int threads = Runtime.getRuntime().availableProcessors();
        boolean fp32 = session.precision() == Precision.FP32;
        try (PeerEngine peer = PeerEngine.create(weights, threads);
                AlexNetModel twin =
                        fp32 ? null : AlexNetModel.create(model.config(), session.withPrecision(Precision.FP32))) {
            figures.put("peer", "onnxruntime " + peer.version() + ", " + threads + " intra-op threads");
            AlexNetModel reference = fp32 ? model : loaded(twin, weights);
            Agreement same = compare(reference, bare, peer::probabilities);
            report("peer (fp32) against the engine in fp32", same, RELATIVE_TOLERANCE);
            figures.put("peer_max_relative_diff", same.maxRelative());
            figures.put("peer_top1_agreement", same.top1());
            if (!(same.maxRelative() <= RELATIVE_TOLERANCE)) {
                throw new IllegalStateException("the peer's probabilities differ from the engine's by "
                        + same.maxRelative() + " (tolerance " + RELATIVE_TOLERANCE + "): not the same network");
            }
            BareEngine bareFp32 = fp32 ? null : new BareEngine(twin);
            if (!fp32) {
                Agreement reduced = compare(reference, bare, model::probabilities);
                report("the engine in " + session.precision().label() + " against fp32", reduced, Double.NaN);
                figures.put(session.precision().label() + "_max_relative_diff", reduced.maxRelative());
                figures.put(session.precision().label() + "_top1_agreement", reduced.top1());
            }
            Sweep sweep = new Sweep();
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %14s %14s %14s %10s%n",
                    "images",
                    "ours images/s",
                    "fp32 images/s",
                    "peer images/s",
                    "ours/peer");
            for (int batch : batches) {
                int runs = Math.max(3, 24 / batch);
                double ours = batch / bare.inferSeconds(batch, runs);
                double ours32 = fp32 ? ours : batch / bareFp32.inferSeconds(batch, runs);
                double theirs = batch / peerSeconds(peer, bare.randomImages(batch), runs);
                System.out.printf(
                        Locale.ROOT, "%-8d %14.2f %14.2f %14.2f %10.3f%n", batch, ours, ours32, theirs, ours / theirs);
                sweep.add(batch, ours, ours32, theirs);
            }
            double[] single = headToHead(bare, peer, 1, 1, rounds);
            double[] best = headToHead(bare, peer, sweep.oursBatch, sweep.peerBatch, rounds);
            double oursRate = sweep.oursBatch / best[0];
            double peerRate = sweep.peerBatch / best[1];
            figures.put("peer_batch", sweep.peerBatch);
            figures.put("peer_images_per_s", round(peerRate));
            figures.put("peer_single_ms", round(single[1] * 1e3));
            figures.put("vs_peer_batch", sweep.oursBatch);
            figures.put("vs_peer_images_per_s", round(oursRate));
            figures.put("vs_peer_single_ms", round(single[0] * 1e3));
            figures.put("vs_peer", round3(oursRate / peerRate));
            figures.put("vs_peer_single", round3(single[1] / single[0]));
            // fp32 against the peer in the same sweep: what the faster mode adds
            figures.put("vs_peer_fp32", round3(sweep.fp32Best / sweep.peerBest));
            System.out.printf(
                    Locale.ROOT,
                    "against the peer, %d rounds of ours, peer: best batch %.2f images/s (batch %d) vs %.2f (batch %d),"
                            + " vs_peer %.3f; batch 1 %.1f ms vs %.1f ms, vs_peer_single %.3f;"
                            + " fp32 in the sweep %.3f%n",
                    rounds,
                    oursRate,
                    sweep.oursBatch,
                    peerRate,
                    sweep.peerBatch,
                    oursRate / peerRate,
                    single[0] * 1e3,
                    single[1] * 1e3,
                    single[1] / single[0],
                    sweep.fp32Best / sweep.peerBest);
        }
    }

    private static AlexNetModel loaded(AlexNetModel model, ModelWeights weights) {
        try {
            model.load(weights);
            return model;
        } catch (WeightsFormatException e) {
            throw new IllegalStateException("the engine's own weights must load into its fp32 twin", e);
        }
    }

    /** The best images/s of each engine over the sweep, and the batch it came at. */
    private static final class Sweep {
        double oursBest;
        double fp32Best;
        double peerBest;
        int oursBatch = 1;
        int peerBatch = 1;

        void add(int batch, double ours, double ours32, double peer) {
            if (ours > oursBest) {
                oursBest = ours;
                oursBatch = batch;
            }
            fp32Best = Math.max(fp32Best, ours32);
            if (peer > peerBest) {
                peerBest = peer;
                peerBatch = batch;
            }
        }
    }

    private static void report(String what, Agreement agreement, double tolerance) {
        System.out.printf(
                Locale.ROOT,
                "%s, the same %d crops: largest probability difference %.2e of the crop's top probability%s,"
                        + " top-1 agrees on %.0f%%%n",
                what,
                CHECK_IMAGES * Crops.TEN,
                agreement.maxRelative(),
                Double.isNaN(tolerance) ? "" : String.format(Locale.ROOT, " (tolerance %.0e)", tolerance),
                agreement.top1() * 100);
    }

    /** Mean seconds per run of ours and of the peer over {@code rounds} of ours, peer. */
    private static double[] headToHead(BareEngine bare, PeerEngine peer, int oursBatch, int peerBatch, int rounds) {
        double ours = 0;
        double theirs = 0;
        for (int r = 0; r < rounds; r++) {
            ours += bare.inferSeconds(oursBatch, Math.max(3, 24 / oursBatch));
            theirs += peerSeconds(peer, bare.randomImages(peerBatch), Math.max(3, 24 / peerBatch));
        }
        return new double[] {ours / rounds, theirs / rounds};
    }

    private static double peerSeconds(PeerEngine peer, List<ScaledImage> images, int runs) {
        return BareEngine.medianSeconds(() -> peer.classify(images), runs);
    }

    /** The reference and another engine on the same crops of random images. */
    private static Agreement compare(AlexNetModel reference, BareEngine bare, Probabilities other) {
        AlexNetConfig config = reference.config();
        List<ScaledImage> images = bare.randomImages(CHECK_IMAGES);
        int cropValues = config.cropSize() * config.cropSize() * AlexNetConfig.CHANNELS;
        float[] crops = new float[CHECK_IMAGES * Crops.TEN * cropValues];
        int offset = 0;
        float[] mean = reference.mean();
        for (ScaledImage image : images) {
            offset = Crops.write(image, mean, config.cropSize(), Crops.Mode.TEN_CROP, crops, offset);
        }
        int count = CHECK_IMAGES * Crops.TEN;
        return Agreement.of(
                reference.probabilities(crops, count), other.probabilities(crops, count), config.numClasses());
    }

    @FunctionalInterface
    private interface Probabilities {
        float[] probabilities(float[] crops, int count);
    }
}

package io.alexstream.bench;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.runtime.SessionOptions;
import java.nio.file.Path;

/**
 * What one bench run measures: the profile and session threads, the inference batches swept, the training step, and
 * the sizes of the service measurements (0 leaves a part out). {@code root} holds the packaged services.
 *
 * @param trainSteps timed training steps; at least 1 ({@code trainBatch} 0 leaves training out)
 * @param peerRounds rounds of ours, peer (ONNX Runtime) at batch 1 and the best batches; 0 leaves the peer out
 */
public record BenchOptions(
        AlexNetConfig config,
        SessionOptions session,
        int[] batches,
        int trainBatch,
        int trainSteps,
        int matmulRuns,
        int backgroundLoadThreads,
        int pipelineImages,
        int grpcCalls,
        int trainerImages,
        int peerRounds,
        Path root) {

    public BenchOptions {
        if (trainSteps < 1) {
            throw new IllegalArgumentException(
                    "--train-steps must be at least 1 (--train-batch 0 leaves training out), got " + trainSteps);
        }
    }
}

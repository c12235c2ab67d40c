package io.alexstream.trainer.training;

import java.util.Map;

/**
 * What a finished round found, as {@code GET /v1/status} lists it under {@code rounds}.
 * {@code imagesPerSecond} is the whole training phase (graph warm-up, augmentation, validation
 * passes); {@code steadyImagesPerSecond} only the training steps after the round's first check,
 * the figure comparable with the bare engine's step rate.
 */
public record RoundResult(
        int round,
        String trigger,
        boolean promoted,
        long version,
        Map<String, Double> candidate,
        Map<String, Double> serving,
        String decision,
        double seconds,
        long trainingSteps,
        double imagesPerSecond,
        double steadyImagesPerSecond,
        double meanLoss,
        float learningRate,
        String finishedAt) {}

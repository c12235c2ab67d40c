package io.alexstream.engine.training;

/** Top-1 and top-5 accuracy over {@code count} images. */
public record Accuracy(double top1, double top5, int count) {}

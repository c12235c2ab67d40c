package io.alexstream.engine.training;

import io.alexstream.engine.image.ScaledImage;

/** A preprocessed training or evaluation image with its class index. */
public record Example(ScaledImage image, int label) {}

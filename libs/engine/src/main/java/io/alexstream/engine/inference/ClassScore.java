package io.alexstream.engine.inference;

/** One entry of a top-k answer. */
public record ClassScore(int index, String name, float probability) {}

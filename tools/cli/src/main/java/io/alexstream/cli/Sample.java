package io.alexstream.cli;

/** One labeled image of the demo's dataset, as the PNG the demo sends. */
record Sample(String id, int label, byte[] png) {}

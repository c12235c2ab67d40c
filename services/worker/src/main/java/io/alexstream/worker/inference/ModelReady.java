package io.alexstream.worker.inference;

/**
 * Fired once, when the worker first has a model loaded and its start-up sync is over: whatever
 * feeds images in (the Kafka intake gate) may open then, and not before.
 */
public record ModelReady(String workerId, long version) {}

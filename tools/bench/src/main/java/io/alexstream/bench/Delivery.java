package io.alexstream.bench;

/**
 * The Kafka path at each delivery mode, fresh workers taken one after the other in the same sitting: at-least-once
 * (the default) and exactly-once (a transaction per poll; predictions read read_committed).
 */
record Delivery(double atLeastOnceImagesPerSecond, double exactlyOnceImagesPerSecond) {

    double ratio() {
        return exactlyOnceImagesPerSecond / atLeastOnceImagesPerSecond;
    }
}

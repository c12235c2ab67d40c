package io.alexstream.bench;

/** One timed stretch of the steady stream, and the bare engine measured just before and just after it. */
record KafkaWindow(double imagesPerSecond, double meanBatch, Reference reference) {

    double ratio() {
        return imagesPerSecond / reference.value();
    }
}

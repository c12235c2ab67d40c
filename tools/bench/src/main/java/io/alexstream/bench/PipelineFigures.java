package io.alexstream.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What the Kafka path, gRPC and trainer measurements found, each beside its own bare-engine reference. */
record PipelineFigures(
        List<KafkaWindow> kafkaWindows,
        int images,
        double drainImagesPerSecond,
        Reference drainReference,
        double grpcP50Ms,
        double grpcP99Ms,
        double oipP50Ms,
        double oipP99Ms,
        int grpcCalls,
        Reference singleImageReferenceMs,
        TrainerFigures trainer,
        Delivery delivery) {

    /** The window whose ratio is the median of all windows': the Kafka path's figure. */
    KafkaWindow kafka() {
        List<KafkaWindow> byRatio = new ArrayList<>(kafkaWindows);
        byRatio.sort(Comparator.comparingDouble(KafkaWindow::ratio));
        return byRatio.get((byRatio.size() - 1) / 2);
    }
}

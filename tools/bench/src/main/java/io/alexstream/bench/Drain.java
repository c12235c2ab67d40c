package io.alexstream.bench;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The worker on its own: images/s of a fresh worker draining images that already wait in the topic, from the first
 * prediction to the last (broker timestamps), leaving out the images of the first session run, which also paid for
 * graph optimisation.
 */
final class Drain {

    private Drain() {}

    /** Waits for every one of {@code ids} and returns the drain rate; NaN when the first run answered them all. */
    static double await(KafkaConsumer<String, String> consumer, List<String> ids) {
        long[] first = {Long.MAX_VALUE};
        long[] last = {Long.MIN_VALUE};
        int[] firstRun = {0};
        awaitPredictions(consumer, ids, record -> {
            if (record.timestamp() < first[0]) {
                first[0] = record.timestamp();
                firstRun[0] = PredictionTimings.of(record.value()).batchSize();
            }
            last[0] = Math.max(last[0], record.timestamp());
        });
        double seconds = (last[0] - first[0]) / 1e3;
        System.out.printf(
                Locale.ROOT,
                "  drained %d waiting images: %d after the first session run in %.1f s%n",
                ids.size(),
                ids.size() - firstRun[0],
                seconds);
        // all of them in the first run (a short --pipeline-images): no steady stretch to time
        return ids.size() > firstRun[0] && seconds > 0 ? (ids.size() - firstRun[0]) / seconds : Double.NaN;
    }

    /**
     * Polls the predictions topic until every id was answered, handing each id's first prediction to {@code answered}.
     */
    private static void awaitPredictions(
            KafkaConsumer<String, String> consumer,
            List<String> ids,
            Consumer<ConsumerRecord<String, String>> answered) {
        Set<String> waiting = new HashSet<>(ids);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!waiting.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(waiting.size() + " images got no prediction in 5 minutes");
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                if (waiting.remove(record.key())) {
                    answered.accept(record);
                }
            }
        }
    }
}

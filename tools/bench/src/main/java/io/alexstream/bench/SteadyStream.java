package io.alexstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A steady stream through the whole path: images are posted so that {@link #OUTSTANDING_IMAGES} are always posted
 * and not yet answered (a new one for every prediction, as many clients would), and the {@code timed} predictions
 * after the first {@code settling} are timed, while the posting goes on behind them (none: a warm-up). The start and
 * the end of the stream, when the worker waits for the first images or answers the last ones with nothing behind
 * them, are outside the window; ingest's work, the broker's and the worker's overlap in it as they would in service.
 */
final class SteadyStream {

    /**
     * Images posted and not yet answered while the Kafka path is timed: four batches of 16 (the largest swept), so
     * the worker always finds a full batch behind the one it runs, as under a sustained load.
     */
    static final int OUTSTANDING_IMAGES = 64;

    /**
     * The timed stretch: its seconds, the session time behind it, the mean images per session run, and the CPU each
     * process used in it.
     */
    record Sustained(double seconds, double sessionSeconds, double meanBatch, double[] cpu) {}

    private final IngestPoster ingest;
    private final KafkaConsumer<String, String> predictions;

    SteadyStream(IngestPoster ingest, KafkaConsumer<String, String> predictions) {
        this.ingest = ingest;
        this.predictions = predictions;
    }

    /** Streams {@code settling + timed} images (and the outstanding ones); {@code pids}: the services to meter. */
    Sustained sustain(int settling, int timed, long... pids) throws Exception {
        int total = settling + timed + OUTSTANDING_IMAGES;
        Semaphore room = new Semaphore(OUTSTANDING_IMAGES);
        List<CompletableFuture<String>> posted = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Thread poster = new Thread(
                () -> {
                    for (int i = 0; i < total; i++) {
                        try {
                            room.acquire();
                        } catch (InterruptedException e) {
                            return;
                        }
                        posted.add(ingest.postOne().whenComplete((id, failure) -> {
                            if (failure != null) {
                                refused.compareAndSet(null, failure);
                            }
                        }));
                    }
                },
                "bench-poster");
        poster.setDaemon(true);
        Set<String> answered = new HashSet<>();
        double sessionSeconds = 0;
        double runs = 0;
        double[] cpuBefore = null;
        long started = 0;
        double seconds = Double.NaN;
        double[] cpu = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        poster.start();
        try {
            while (answered.size() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            (total - answered.size()) + " of the stream's images got no prediction in 5 minutes");
                }
                if (refused.get() != null) {
                    throw new IllegalStateException(
                            "a post of the stream failed: " + refused.get().getMessage(), refused.get());
                }
                for (ConsumerRecord<String, String> record : predictions.poll(Duration.ofMillis(50))) {
                    // only this stream posts now, so every new key is one of its images
                    if (!answered.add(record.key())) {
                        continue;
                    }
                    room.release();
                    int count = answered.size();
                    if (timed > 0 && count == settling) {
                        // a warm-up (nothing timed) has no window to read the CPU for
                        cpuBefore = CpuMeter.cpuSeconds(pids);
                        started = System.nanoTime();
                    } else if (count > settling && count <= settling + timed) {
                        PredictionTimings timings = PredictionTimings.of(record.value());
                        double batch = timings.batchSize();
                        sessionSeconds += timings.inferenceSeconds() / batch;
                        // each image is 1/batch of its run, so these sum to the runs behind the window
                        runs += 1 / batch;
                        if (count == settling + timed) {
                            seconds = (System.nanoTime() - started) / 1e9;
                            cpu = CpuMeter.cpuSince(cpuBefore, pids);
                        }
                    }
                }
            }
        } finally {
            poster.interrupt();
        }
        poster.join(TimeUnit.SECONDS.toMillis(10));
        for (CompletableFuture<String> id : posted) {
            id.get(60, TimeUnit.SECONDS);
        }
        return new Sustained(seconds, sessionSeconds, timed / runs, cpu);
    }
}

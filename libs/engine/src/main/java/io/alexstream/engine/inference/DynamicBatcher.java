package io.alexstream.engine.inference;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Dynamic batching in front of one {@link AlexNetModel} (or whichever model a supplier names at
 * the start of each batch, so a worker can swap models between batches): callers (Kafka records, gRPC calls)
 * submit single images; one thread takes whatever is queued, waits at most {@code maxWait}
 * for more up to its {@link BatchLimit} (a fixed maximum, or the size its own runs found fastest), and classifies
 * them in one session run, since one run over many crops is cheaper than many runs (up to a size that
 * depends on the device). It waits only while images arrive closer
 * together than {@code maxWait} (a moving average of the gaps between arrivals): a lone caller,
 * one request at a time, is not held back for company that does not come. A full queue refuses at once
 * ({@link QueueFullException}) instead of blocking; a cancelled request (a caller's deadline)
 * is skipped if it has not started.
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /** The queue is at capacity: the caller should shed load (gRPC RESOURCE_EXHAUSTED). */
    public static final class QueueFullException extends RuntimeException {
        public QueueFullException(int capacity) {
            super("the inference queue is full (" + capacity + " images waiting)");
        }
    }

    private record Request(
            ScaledImage image, Crops.Mode mode, int topK, CompletableFuture<Timed> result, long queuedAt) {}

    /** A classified image with the time it waited in the queue. */
    public record Timed(Prediction prediction, double queueSeconds, double inferenceSeconds, int batchSize) {}

    private final Supplier<AlexNetModel> model;
    private final BatchLimit batchLimit;
    private final long maxWaitNanos;
    private final int capacity;
    private final BlockingQueue<Request> queue;
    private final IntConsumer batchSizes;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError;
    private final Object arrivals = new Object();
    private long lastArrival;
    /** Moving average of the nanoseconds between submits (weights 1/2); 0 at first, so a fresh batcher waits. */
    private volatile long arrivalGapNanos;

    /**
     * @param batchSizes told the size of every batch run (for metrics); may be a no-op
     */
    public DynamicBatcher(AlexNetModel model, int maxBatch, long maxWaitMillis, int capacity, IntConsumer batchSizes) {
        this(() -> model, maxBatch, maxWaitMillis, capacity, batchSizes);
    }

    /**
     * @param model      asked once per batch: the whole batch runs on the model it names, so a batch in flight
     *                   finishes on the model it started with when the supplier moves on to another
     * @param batchSizes told the size of every batch run (for metrics); may be a no-op
     */
    public DynamicBatcher(
            Supplier<AlexNetModel> model, int maxBatch, long maxWaitMillis, int capacity, IntConsumer batchSizes) {
        this(model, BatchLimit.fixed(maxBatch), maxWaitMillis, capacity, batchSizes);
    }

    /**
     * @param model      asked once per batch (see above)
     * @param batchLimit the most images of each run; owned by this batcher's thread from now on
     * @param batchSizes told the size of every batch run (for metrics); may be a no-op
     */
    public DynamicBatcher(
            Supplier<AlexNetModel> model,
            BatchLimit batchLimit,
            long maxWaitMillis,
            int capacity,
            IntConsumer batchSizes) {
        if (capacity < 1 || maxWaitMillis < 0) {
            throw new IllegalArgumentException("capacity must be >= 1 and maxWait >= 0");
        }
        this.model = model;
        this.batchLimit = batchLimit;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSizes = batchSizes;
        this.thread = new Thread(this::loop, "alexstream-batcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues one image; the future completes with its prediction, or exceptionally. Cancelling
     * it (a passed deadline) before its batch starts takes it out of the batch.
     */
    public CompletableFuture<Timed> submit(ScaledImage image, Crops.Mode mode, int topK) {
        if (!running) {
            throw new IllegalStateException("the batcher is closed");
        }
        CompletableFuture<Timed> result = new CompletableFuture<>();
        long now = System.nanoTime();
        synchronized (arrivals) {
            if (lastArrival != 0) {
                arrivalGapNanos = (arrivalGapNanos + (now - lastArrival)) / 2;
            }
            lastArrival = now;
        }
        if (!queue.offer(new Request(image, mode, topK, result, now))) {
            throw new QueueFullException(capacity);
        }
        return result;
    }

    private void loop() {
        List<Request> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                int limit = batchLimit.next();
                batch.add(first);
                queue.drainTo(batch, limit - 1);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < limit && arrivalGapNanos < maxWaitNanos) {
                    long left = deadline - System.nanoTime();
                    Request next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // an Error (native memory, a stack overflow in a callback) fails its batch, not the thread: the
                // batcher keeps serving, and health reports the Error until a later batch succeeds
                LOG.error("inference batch failed", e);
                if (e instanceof Error) {
                    lastError = e.toString();
                }
                batch.forEach(r -> complete(r, null, e, 0, 0, 0));
            } finally {
                batch.clear();
            }
        }
        Request left;
        while ((left = queue.poll()) != null) {
            complete(left, null, new IllegalStateException("the batcher closed before this image ran"), 0, 0, 0);
        }
    }

    private void run(List<Request> batch) {
        batch.removeIf(r -> r.result().isCancelled());
        if (batch.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        AlexNetModel serving = model.get();
        // one session run per crop mode and k present in the batch (normally exactly one)
        List<List<Request>> groups = new ArrayList<>();
        for (Request r : batch) {
            List<Request> group = groups.stream()
                    .filter(g -> g.get(0).mode() == r.mode() && g.get(0).topK() == r.topK())
                    .findFirst()
                    .orElse(null);
            if (group == null) {
                group = new ArrayList<>();
                groups.add(group);
            }
            group.add(r);
        }
        for (List<Request> group : groups) {
            List<ScaledImage> images = new ArrayList<>(group.size());
            group.forEach(r -> images.add(r.image()));
            List<Prediction> predictions =
                    serving.classify(images, group.get(0).mode(), group.get(0).topK());
            long classified = System.nanoTime();
            // cleared before the answers, so a caller that sees its answer also sees a healthy batcher
            lastError = null;
            if (groups.size() == 1) {
                // before the answers: completing them runs the callers' callbacks on this thread
                int servedBefore = batchLimit.served();
                batchLimit.ran(batch.size(), classified - started);
                if (batchLimit.served() != servedBefore) {
                    LOG.info(batchLimit.lastTakeOver());
                }
            }
            double inference = (classified - started) / 1e9;
            for (int i = 0; i < group.size(); i++) {
                Request r = group.get(i);
                complete(r, predictions.get(i), null, (started - r.queuedAt()) / 1e9, inference, batch.size());
            }
        }
        batchSizes.accept(batch.size());
    }

    /**
     * Why this batcher cannot be trusted to answer, if it cannot: its thread ended while it was
     * open, or its last batch failed with an {@code Error} and none has succeeded since.
     */
    public Optional<String> failure() {
        if (running && !thread.isAlive()) {
            return Optional.of("the batcher thread ended");
        }
        return Optional.ofNullable(lastError);
    }

    /** True while the batcher's thread runs; false once it ended unasked (only a restart heals that). */
    public boolean alive() {
        return !running || thread.isAlive();
    }

    private static void complete(
            Request r,
            Prediction prediction,
            Throwable failure,
            double queueSeconds,
            double inferenceSeconds,
            int batchSize) {
        if (failure != null) {
            r.result().completeExceptionally(failure);
        } else {
            r.result().complete(new Timed(prediction, queueSeconds, inferenceSeconds, batchSize));
        }
    }

    /** The most images of a run between the limit's explorations (the configured maximum unless it is tuned). */
    public int servedBatchLimit() {
        return batchLimit.served();
    }

    /** Stops taking requests, finishes those queued, and stops the thread. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

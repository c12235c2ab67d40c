package io.alexstream.worker.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ImageClassifier;
import io.alexstream.worker.inference.ServingModel;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the images topic ({@link Channels#IMAGES_IN}) in batches, classifies every image with
 * ten crops through {@link ImageClassifier} (as gRPC does), and publishes one prediction per image
 * to {@link Channels#PREDICTIONS_OUT}, keyed by image id. A record that cannot be decoded or
 * breaks a limit, or whose handling throws anything at all, goes to
 * {@link Channels#DEAD_LETTERS_OUT} with the reason ({@link DeadLetter}: bounded to fit the
 * broker). An uncertain prediction's image is also copied to {@link Channels#REVIEW_OUT}
 * ({@link ReviewRouter}), in the same delivery as its prediction. The batch's offsets are
 * committed only after every prediction, review copy and dead letter was acknowledged by the
 * broker (at-least-once); sends are retried through broker outages of any length
 * ({@link RetryingSender}), so no record and no outage closes the consumer. The next polls are
 * decoded while the batcher still runs this one: Kafka keeps at most
 * {@link WorkerConfig#kafkaBatchesInFlight()} batches' worth of images in the batcher, so a full
 * batch waits when a run ends and gRPC callers still find room in the queue.
 */
@ApplicationScoped
public class ImageConsumer {

    private static final Logger LOG = Logger.getLogger(ImageConsumer.class);

    /** One permit per image from Kafka submitted to the batcher and not yet answered. */
    private final Semaphore imagesInFlight;

    private final ImageClassifier classifier;
    private final WorkerConfig config;
    private final PredictionJson json;
    private final ReviewRouter reviewRouter;
    private final WorkerMetrics metrics;
    /** Set in at-least-once mode: each answer is sent on its own and retried through outages. */
    private final AtLeastOnceDelivery atLeastOnce;
    /** Set in exactly-once mode: polls are delivered in transactions instead of record by record. */
    private final TransactionalDelivery transactions;
    /** Images from Kafka submitted and not yet answered, with when: the watchdog SmallRye's was, made visible. */
    private final Map<Object, Long> unanswered = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

    public ImageConsumer(
            ImageClassifier classifier,
            WorkerConfig config,
            ObjectMapper json,
            ReviewRouter reviewRouter,
            WorkerMetrics metrics,
            jakarta.enterprise.inject.Instance<TransactionalDelivery> transactional,
            AtLeastOnceDelivery atLeastOnce) {
        this.classifier = classifier;
        this.metrics = metrics;
        this.config = config;
        this.json = new PredictionJson(json);
        this.reviewRouter = reviewRouter;
        this.atLeastOnce = atLeastOnce;
        this.transactions = config.exactlyOnce() ? transactional.get() : null;
        LOG.infof(
                "worker %s delivers %s",
                config.id(),
                config.exactlyOnce()
                        ? "exactly once: each poll's answers and offsets in one Kafka transaction"
                        : "at least once");
        metrics.exportOldestUnanswered(this::oldestUnansweredSeconds);
        if (config.kafkaBatchesInFlight() < 1) {
            throw new IllegalArgumentException("alexstream.worker.kafka-batches-in-flight must be at least 1, got "
                    + config.kafkaBatchesInFlight());
        }
        this.imagesInFlight = new Semaphore(config.kafkaBatchesInFlight() * ServingModel.maxBatch(config));
    }

    @Incoming(Channels.IMAGES_IN)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        received.addAndGet(batch.getRecords().size());
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        // at-least-once: each answer's send, in the poll's order
        Map<CompletableFuture<Answer>, CompletableFuture<Void>> sends = new java.util.LinkedHashMap<>();
        // every record is decoded before any is submitted: an idle batcher then sees the whole poll at once and runs
        // full batches, instead of starting a run with the first image while this thread still decodes the others next
        // to the session's threads
        List<Prepared> prepared = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            // whatever a record holds, it leaves this loop as a prepared image or a dead letter: nothing it does may
            // close the consumer, or the next owner of the partition would meet it again
            String id = null;
            try {
                id = imageId(record);
                prepared.add(new Prepared(record, id, classifier.prepare(record.getPayload())));
            } catch (ImageRejectedException e) {
                answers.add(CompletableFuture.completedFuture(
                        deadLetter(record, id, e.reason().name(), e.getMessage())));
            } catch (Throwable e) {
                LOG.errorf(
                        e,
                        "record %s-%d@%d could not be prepared",
                        record.getTopic(),
                        record.getPartition(),
                        offset(record));
                answers.add(CompletableFuture.completedFuture(
                        deadLetter(record, id, WorkerMetrics.INTERNAL, e.toString())));
            }
        }
        if (transactions == null) {
            answers.forEach(answer -> sent(sends, answer));
        }
        for (Prepared item : prepared) {
            // a permit per image, given back when that image is delivered (exactly-once: when it is answered, since its
            // transaction waits for the whole poll), not when its whole poll is: while a run goes on, the images of the
            // next polls fill the queue up to the limit, so the next run is a full batch whatever the polls' sizes
            try {
                imagesInFlight.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                // the images submitted so far are still answered; the poll is never acknowledged, so it is read again
                return CompletableFuture.failedFuture(e);
            }
            unanswered.put(item, System.nanoTime());
            CompletableFuture<Answer> answer;
            try {
                answer = answer(item);
            } catch (Throwable e) {
                answer = CompletableFuture.completedFuture(
                        deadLetter(item.record(), item.id(), WorkerMetrics.INFERENCE_FAILED, e.toString()));
            }
            answers.add(answer);
            // registered now, not after the loop: a poll larger than the permits waits above for its own first images
            CompletableFuture<?> delivered = transactions != null ? answer : sent(sends, answer);
            delivered.whenComplete((done, failure) -> {
                unanswered.remove(item);
                imagesInFlight.release();
            });
        }
        CompletableFuture<Boolean> pollDelivered;
        if (transactions != null) {
            pollDelivered = transactions.deliver(batch, answers);
        } else {
            pollDelivered = CompletableFuture.allOf(sends.values().toArray(CompletableFuture[]::new))
                    .thenApply(done -> true);
        }
        // the acknowledgement goes on without this thread: the next poll is decoded while this one's images run
        pollDelivered
                .thenCompose(committed -> committed ? batch.ack() : CompletableFuture.completedFuture(null))
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        // only a dead letter the broker refused for good gets here (sends are retried through outages)
                        LOG.errorf(
                                "a prediction or dead letter of this poll was refused for good: %s",
                                failure.getMessage());
                        batch.nack(failure);
                    }
                });
        return CompletableFuture.completedFuture(null);
    }

    /** At-least-once: sends the answer once it is ready, remembering the send in the poll's map. */
    private CompletableFuture<Void> sent(
            Map<CompletableFuture<Answer>, CompletableFuture<Void>> sends, CompletableFuture<Answer> answer) {
        return sends.computeIfAbsent(answer, a -> a.thenCompose(atLeastOnce::send));
    }

    /** Records handed to this consumer since start. */
    public long recordsReceived() {
        return received.get();
    }

    /** True when no image from Kafka is in flight. */
    public boolean idle() {
        return unanswered.isEmpty();
    }

    /** Seconds since the oldest image from Kafka still unanswered was submitted; 0 when none is. */
    public double oldestUnansweredSeconds() {
        long now = System.nanoTime();
        return unanswered.values().stream()
                        .mapToLong(started -> now - started)
                        .max()
                        .orElse(0)
                / 1e9;
    }

    /** Submits a decoded image; completes with its prediction, or its dead letter if the run failed. */
    private CompletableFuture<Answer> answer(Prepared item) {
        String correlationId = RecordIds.bounded(RecordIds.text(item.record().getHeaders(), Headers.CORRELATION_ID));
        // a Kafka record can always wait: a full queue delays it rather than refusing it
        return classifier
                .classify(
                        item.id(),
                        correlationId,
                        item.image(),
                        Crops.Mode.TEN_CROP,
                        config.topK(),
                        ImageClassifier.WhenFull.WAIT,
                        OptionalLong.empty(),
                        WorkerMetrics.SOURCE_KAFKA)
                .handle((prediction, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause()
                                : failure;
                        return deadLetter(
                                item.record(),
                                item.id(),
                                WorkerMetrics.INFERENCE_FAILED,
                                String.valueOf(cause.getMessage()));
                    }
                    try {
                        String written = json.write(prediction);
                        return Answer.prediction(
                                prediction.getImageId(), written, reviewCopy(item, correlationId, prediction, written));
                    } catch (RuntimeException e) {
                        return deadLetter(
                                item.record(),
                                item.id(),
                                WorkerMetrics.INTERNAL,
                                "cannot write the prediction: " + e.getMessage());
                    }
                });
    }

    /** The image's copy for the review topic, or null; a failure here costs the copy, never the prediction. */
    private ReviewCopy reviewCopy(Prepared item, String correlationId, Prediction prediction, String written) {
        try {
            return reviewRouter.copy(
                    item.id(),
                    item.record().getHeaders(),
                    item.record().getPayload(),
                    correlationId,
                    prediction,
                    written);
        } catch (RuntimeException e) {
            LOG.errorf(e, "no review copy of %s", item.id());
            return null;
        }
    }

    /** A record decoded and rescaled, waiting to be submitted. */
    private record Prepared(KafkaRecord<String, byte[]> record, String id, ImageClassifier.PreparedImage image) {}

    private Answer deadLetter(KafkaRecord<String, byte[]> record, String knownId, String reason, String message) {
        String id = knownId != null
                ? knownId
                : RecordIds.bounded(record.getTopic() + "-" + record.getPartition() + "-" + offset(record));
        LOG.warnf(
                "image %s (%s-%d@%d) dead-lettered: %s",
                id, record.getTopic(), record.getPartition(), offset(record), message);
        metrics.deadLettered(reason);
        return Answer.deadLetter(DeadLetter.of(
                id,
                record.getHeaders(),
                record.getPayload(),
                new DeadLetter.Source(record.getTopic(), record.getPartition(), offset(record)),
                reason,
                message,
                config.deadLetterMaxBytes()));
    }

    private static String imageId(KafkaRecord<String, byte[]> record) {
        return RecordIds.imageId(
                record.getHeaders(), record.getKey(), record.getTopic(), record.getPartition(), offset(record));
    }

    private static long offset(KafkaRecord<String, byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getOffset)
                .orElse(-1L);
    }
}

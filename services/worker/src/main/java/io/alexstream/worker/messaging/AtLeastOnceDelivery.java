package io.alexstream.worker.messaging;

import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * At-least-once delivery of the worker's answers: each prediction, review copy and dead letter is sent on its own
 * channel ({@link Channels#PREDICTIONS_OUT}, {@link Channels#REVIEW_OUT}, {@link Channels#DEAD_LETTERS_OUT}) and
 * retried through broker outages; the returned future completes only once the broker acknowledged it, so the poll's
 * offsets are committed after its answers. The exactly-once counterpart is {@link TransactionalDelivery}.
 */
@ApplicationScoped
public class AtLeastOnceDelivery {

    private static final Logger LOG = Logger.getLogger(AtLeastOnceDelivery.class);

    private final Emitter<String> predictions;
    private final Emitter<byte[]> deadLetters;
    private final Emitter<byte[]> review;
    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    private final RetryingSender sender;

    public AtLeastOnceDelivery(
            @Channel(Channels.PREDICTIONS_OUT) Emitter<String> predictions,
            @Channel(Channels.DEAD_LETTERS_OUT) Emitter<byte[]> deadLetters,
            @Channel(Channels.REVIEW_OUT) Emitter<byte[]> review,
            WorkerConfig config,
            WorkerMetrics metrics) {
        this.predictions = predictions;
        this.deadLetters = deadLetters;
        this.review = review;
        this.config = config;
        this.metrics = metrics;
        this.sender = new RetryingSender(metrics::publishRetried);
    }

    /**
     * At-least-once: the answer alone, retried through outages; a prediction the broker refuses becomes a dead letter.
     */
    public CompletableFuture<Void> send(Answer answer) {
        if (answer.kind() == Answer.Kind.PREDICTION && answer.review() != null) {
            // the poll's offsets wait for both, so a worker that dies before the copy is acknowledged sends it again
            return CompletableFuture.allOf(
                    send(Answer.prediction(answer.key(), answer.prediction())), sendReview(answer.review()));
        }
        if (answer.kind() == Answer.Kind.PREDICTION) {
            return sender.send(predictions, answer::prediction, answer.key(), RecordHeaders::new)
                    .exceptionallyCompose(refused -> {
                        LOG.errorf("prediction of %s refused (%s); dead-lettering it", answer.key(), refused);
                        metrics.deadLettered(WorkerMetrics.INTERNAL);
                        DeadLetter letter = DeadLetter.of(
                                answer.key(),
                                null,
                                answer.value(),
                                new DeadLetter.Source("predictions", -1, -1),
                                WorkerMetrics.INTERNAL,
                                "the broker refused the prediction: " + refused,
                                config.deadLetterMaxBytes());
                        return send(Answer.deadLetter(letter));
                    });
        }
        DeadLetter letter = answer.deadLetter();
        return sender.send(deadLetters, letter::value, letter.key(), letter::headers)
                .exceptionallyCompose(refused -> {
                    // the broker refused the copy (its record limit is lower than ours): the reason still gets through
                    LOG.errorf(
                            "dead letter of %s refused (%s); sending it without the original value and headers",
                            letter.key(), refused);
                    DeadLetter bare = letter.bare();
                    return sender.send(deadLetters, bare::value, bare.key(), bare::headers);
                });
    }

    /** At-least-once: a review copy, retried through outages; one refused for good is counted and dropped. */
    private CompletableFuture<Void> sendReview(ReviewCopy copy) {
        return sender.send(review, copy::image, copy.key(), copy::headers).exceptionally(refused -> {
            LOG.errorf("review copy of %s refused (%s); its prediction still goes out", copy.key(), refused);
            metrics.reviewSkipped(WorkerMetrics.REVIEW_REFUSED);
            return null;
        });
    }
}

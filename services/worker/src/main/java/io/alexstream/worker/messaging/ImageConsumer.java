package io.alexstream.worker.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ModelService;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reads the images topic ({@link Channels#IMAGES_IN}) in batches, classifies every image with
 * ten crops through the dynamic batcher, and publishes one prediction per image to
 * {@link Channels#PREDICTIONS_OUT}, keyed by image id. A record that cannot be decoded or
 * breaks a limit goes to {@link Channels#DEAD_LETTERS_OUT} with the reason. The batch's offsets
 * are committed only after every prediction and dead letter was acknowledged by the broker
 * (at-least-once); if one is not, the batch is nacked, the channel fails and the records are read
 * again. The next polls are decoded while the batcher still runs this one: Kafka keeps at most
 * {@link WorkerConfig#kafkaBatchesInFlight()} batches' worth of images in the batcher, so a full
 * batch waits when a run ends and gRPC callers still find room in the queue.
 */
@ApplicationScoped
public class ImageConsumer {

    private static final Logger LOG = Logger.getLogger(ImageConsumer.class);

    /** One permit per image from Kafka submitted to the batcher and not yet answered. */
    private final Semaphore imagesInFlight;

    private final ModelService models;
    private final WorkerConfig config;
    private final ObjectMapper json;
    private final Emitter<String> predictions;
    private final Emitter<byte[]> deadLetters;
    private final WorkerMetrics metrics;

    public ImageConsumer(ModelService models, WorkerConfig config, ObjectMapper json,
                         @Channel(Channels.PREDICTIONS_OUT) Emitter<String> predictions,
                         @Channel(Channels.DEAD_LETTERS_OUT) Emitter<byte[]> deadLetters,
                         WorkerMetrics metrics) {
        this.models = models;
        this.metrics = metrics;
        this.config = config;
        this.json = json;
        this.predictions = predictions;
        this.deadLetters = deadLetters;
        if (config.kafkaBatchesInFlight() < 1) {
            throw new IllegalArgumentException("alexstream.worker.kafka-batches-in-flight must be at least 1, got "
                    + config.kafkaBatchesInFlight());
        }
        this.imagesInFlight = new Semaphore(config.kafkaBatchesInFlight() * ModelService.maxBatch(config));
    }

    @Incoming(Channels.IMAGES_IN)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        List<CompletableFuture<Void>> answered = new ArrayList<>();
        // every record is decoded before any is submitted: an idle batcher then sees the whole poll at once and runs
        // full batches, instead of starting a run with the first image while this thread still decodes the others next
        // to the session's threads
        List<Prepared> prepared = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            String id = imageId(record);
            long started = System.nanoTime();
            try {
                ScaledImage image = models.prepare(record.getPayload());
                prepared.add(new Prepared(record, id, image, (System.nanoTime() - started) / 1e9));
            } catch (ImageRejectedException e) {
                answered.add(deadLetter(record, id, e.reason().name(), e.getMessage()));
            }
        }
        for (Prepared item : prepared) {
            // a permit per image, given back when that image is answered (not when its whole poll is): while a run
            // goes on, the images of the next polls fill the queue up to the limit, so the next run is a full batch
            // whatever the polls' sizes
            try {
                imagesInFlight.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                // the images submitted so far are still answered; the poll is never acknowledged, so it is read again
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> answer;
            try {
                answer = answer(item);
            } catch (RuntimeException | Error e) {
                // the channel fails on it; the permit must not go with it
                imagesInFlight.release();
                throw e;
            }
            answered.add(answer.whenComplete((done, failure) -> imagesInFlight.release()));
        }
        // the acknowledgement goes on without this thread: the next poll is decoded while this one's images run
        CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new))
                .thenCompose(done -> batch.ack())
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.errorf("a prediction or dead letter of this poll was not acknowledged: %s", failure.getMessage());
                        batch.nack(failure);
                    }
                });
        return CompletableFuture.completedFuture(null);
    }

    /** Submits a decoded image; completes once its prediction (or its dead letter, if the run failed) is acknowledged. */
    private CompletableFuture<Void> answer(Prepared item) {
        String correlationId = header(item.record(), Channels.HEADER_CORRELATION_ID);
        return submit(item.image()).handle((timed, failure) -> {
            if (failure != null) {
                return deadLetter(item.record(), item.id(), WorkerMetrics.INFERENCE_FAILED, String.valueOf(failure.getMessage()));
            }
            metrics.classified(WorkerMetrics.SOURCE_KAFKA, timed, item.preprocessSeconds());
            return publish(prediction(item.id(), correlationId, timed, item.preprocessSeconds()));
        }).thenCompose(stage -> stage);
    }

    /** A record decoded and rescaled, waiting to be submitted. */
    private record Prepared(KafkaRecord<String, byte[]> record, String id, ScaledImage image, double preprocessSeconds) {
    }

    /** Waits for room in the batcher rather than refusing: a Kafka record can always wait. */
    private CompletableFuture<DynamicBatcher.Timed> submit(ScaledImage image) {
        while (true) {
            try {
                return models.batcher().submit(image, Crops.Mode.TEN_CROP, config.topK());
            } catch (DynamicBatcher.QueueFullException e) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return CompletableFuture.failedFuture(interrupted);
                }
            }
        }
    }

    private PredictionRecord prediction(String id, String correlationId, DynamicBatcher.Timed timed, double preprocessSeconds) {
        List<PredictionRecord.Score> top = timed.prediction().top().stream()
                .map(s -> new PredictionRecord.Score(s.index(), s.name(), s.probability()))
                .toList();
        return new PredictionRecord(id, timed.prediction().modelVersion(), top, timed.prediction().cropsUsed(), config.id(),
                new PredictionRecord.Timings(timed.queueSeconds(), preprocessSeconds, timed.inferenceSeconds(), timed.batchSize()), correlationId);
    }

    private CompletableFuture<Void> publish(PredictionRecord prediction) {
        String value;
        try {
            value = json.writeValueAsString(prediction);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(predictions, value, prediction.imageId(), new RecordHeaders());
    }

    private CompletableFuture<Void> deadLetter(KafkaRecord<String, byte[]> record, String id, String reason, String message) {
        LOG.warnf("image %s (%s-%d@%d) dead-lettered: %s", id, record.getTopic(), record.getPartition(), offset(record), message);
        metrics.deadLettered(reason);
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.getHeaders()) {
            headers.add(header);
        }
        headers.add(Channels.HEADER_IMAGE_ID, bytes(id));
        headers.add(Channels.HEADER_REASON, bytes(reason));
        headers.add(Channels.HEADER_MESSAGE, bytes(message));
        headers.add(Channels.HEADER_SOURCE_TOPIC, bytes(record.getTopic()));
        headers.add(Channels.HEADER_SOURCE_PARTITION, bytes(Integer.toString(record.getPartition())));
        headers.add(Channels.HEADER_SOURCE_OFFSET, bytes(Long.toString(offset(record))));
        byte[] payload = record.getPayload() == null ? new byte[0] : record.getPayload();
        return send(deadLetters, payload, id, headers);
    }

    private static <T> CompletableFuture<Void> send(Emitter<T> emitter, T value, String key, RecordHeaders headers) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key).withHeaders(headers).build();
        emitter.send(Message.of(value).addMetadata(metadata)
                .withAck(() -> {
                    acknowledged.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acknowledged.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return acknowledged;
    }

    private static String imageId(KafkaRecord<String, byte[]> record) {
        String id = header(record, Channels.HEADER_IMAGE_ID);
        if (id == null || id.isBlank()) {
            id = record.getKey();
        }
        if (id == null || id.isBlank()) {
            id = record.getTopic() + "-" + record.getPartition() + "-" + offset(record);
        }
        return id;
    }

    private static long offset(KafkaRecord<String, byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L);
    }

    private static String header(KafkaRecord<String, byte[]> record, String name) {
        Header header = record.getHeaders().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }
}

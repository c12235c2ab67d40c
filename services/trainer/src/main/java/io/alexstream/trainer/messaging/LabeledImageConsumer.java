package io.alexstream.trainer.messaging;

import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.training.ExampleBank;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the labeled images topic ({@link Channels#LABELED_IN}) in batches. Every record gets
 * exactly one outcome: kept in the durable store (or skipped there as already stored), or
 * refused, counted by reason and written to the labeled dead-letter topic
 * ({@link Channels#LABELED_DEAD_LETTERS_OUT}) with why. The batch is acknowledged (and its
 * offsets committed) only after the store forced it to disk and the broker acknowledged every
 * dead letter; no record, whatever it holds, stops the channel.
 */
// created at start-up, not at the first record, so its counters are exported from the beginning
@Startup
@ApplicationScoped
public class LabeledImageConsumer {

    private static final Logger LOG = Logger.getLogger(LabeledImageConsumer.class);
    private static final String REJECTED = "alexstream.trainer.examples.rejected";

    private final ExampleBank bank;
    private final LabeledRecordReader reader;
    private final DeadLetterSender deadLetters;
    private final MeterRegistry metrics;
    private final int deadLetterMaxValueBytes;

    public LabeledImageConsumer(
            ExampleBank bank,
            LabeledRecordReader reader,
            DeadLetterSender deadLetters,
            MeterRegistry metrics,
            TrainerConfig config) {
        this.bank = bank;
        this.reader = reader;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.deadLetterMaxValueBytes = config.deadLetterMaxValueBytes();
        // at 0 from the start, so rate() sees the first refusal
        for (RefusalReason reason : RefusalReason.values()) {
            metrics.counter(REJECTED, "reason", reason.wireName());
        }
    }

    @Incoming(Channels.LABELED_IN)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) throws IOException {
        List<ExampleBank.Arrival> arrivals = new ArrayList<>();
        List<CompletableFuture<Void>> refusals = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            ConsumerRecord<String, byte[]> consumed = consumerRecord(record);
            LabeledRecordReader.Outcome outcome = reader.read(consumed);
            if (outcome instanceof LabeledRecordReader.Accepted accepted) {
                arrivals.add(accepted.arrival());
            } else if (outcome instanceof LabeledRecordReader.Refused refused) {
                refusals.add(refuse(consumed, refused));
            }
        }
        bank.add(arrivals);
        return CompletableFuture.allOf(refusals.toArray(CompletableFuture[]::new))
                .thenCompose(acknowledged -> batch.ack());
    }

    private CompletableFuture<Void> refuse(ConsumerRecord<String, byte[]> record, LabeledRecordReader.Refused refused) {
        DeadLetter letter = DeadLetter.of(record, refused, deadLetterMaxValueBytes);
        metrics.counter(REJECTED, "reason", refused.reason().wireName()).increment();
        LOG.warnf(
                "labeled image %s (%s-%d@%d) not kept, dead-lettered as %s: %s",
                letter.key(),
                record.topic(),
                record.partition(),
                record.offset(),
                refused.reason().wireName(),
                DeadLetter.cut(String.valueOf(refused.message())));
        return deadLetters.send(letter);
    }

    /** The record as Kafka delivered it: the connector attaches it to every incoming record. */
    @SuppressWarnings("unchecked")
    private static ConsumerRecord<String, byte[]> consumerRecord(KafkaRecord<String, byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(metadata -> (ConsumerRecord<String, byte[]>) metadata.getRecord())
                .orElseThrow(() ->
                        new IllegalStateException("a record of " + Channels.LABELED_IN + " without Kafka metadata"));
    }
}

package io.alexstream.trainer.messaging;

import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.trainer.store.StoredExample;
import io.alexstream.trainer.training.ExampleBank;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the labeled images topic ({@link Channels#LABELED_IN}) in batches and keeps every
 * usable example in the durable store; the batch is acknowledged (and its offsets committed)
 * only after the store forced it to disk. A record without a valid label, or whose image
 * cannot be decoded, is counted by reason and logged, never stored, and never stops the
 * channel.
 */
// created at start-up, not at the first record, so its counters are exported from the beginning
@Startup
@ApplicationScoped
public class LabeledImageConsumer {

    private static final Logger LOG = Logger.getLogger(LabeledImageConsumer.class);

    private final ExampleBank bank;
    private final MeterRegistry metrics;

    public LabeledImageConsumer(ExampleBank bank, MeterRegistry metrics) {
        this.bank = bank;
        this.metrics = metrics;
        // at 0 from the start, so rate() sees the first refusal
        metrics.counter("alexstream.trainer.examples.rejected", "reason", "BAD_LABEL");
        for (ImageRejectedException.Reason reason : ImageRejectedException.Reason.values()) {
            metrics.counter("alexstream.trainer.examples.rejected", "reason", reason.name());
        }
    }

    @Incoming(Channels.LABELED_IN)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) throws IOException {
        List<ExampleBank.Arrival> arrivals = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            String id = header(record, Channels.HEADER_IMAGE_ID);
            if (id == null || id.isBlank()) {
                id = record.getKey() != null ? record.getKey() : record.getTopic() + "-" + record.getPartition() + "-" + offset(record);
            }
            String label = header(record, Channels.HEADER_LABEL);
            int classIndex = bank.classIndex(label);
            if (classIndex < 0) {
                reject(id, record, "BAD_LABEL", "label header " + (label == null ? "missing" : "'" + label + "' is no class of this model"));
                continue;
            }
            byte[] payload = record.getPayload() == null ? new byte[0] : record.getPayload();
            try {
                arrivals.add(bank.check(new StoredExample(id, classIndex, record.getPartition(), offset(record),
                        bank.isHoldout(id), payload)));
            } catch (ImageRejectedException e) {
                reject(id, record, e.reason().name(), e.getMessage());
            }
        }
        bank.add(arrivals);
        return batch.ack();
    }

    private void reject(String id, KafkaRecord<String, byte[]> record, String reason, String message) {
        metrics.counter("alexstream.trainer.examples.rejected", "reason", reason).increment();
        LOG.warnf("labeled image %s (%s-%d@%d) not kept: %s", id, record.getTopic(), record.getPartition(), offset(record), message);
    }

    private static long offset(KafkaRecord<String, byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L);
    }

    private static String header(KafkaRecord<String, byte[]> record, String name) {
        Header header = record.getHeaders().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8).trim();
    }
}

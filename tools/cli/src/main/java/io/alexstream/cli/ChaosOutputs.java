package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every output topic ({@code predictions}, {@code images.dead-letter},
 * {@code images.labeled.dead-letter}) with a {@code read_committed} consumer of its own (no
 * group: assigned partitions, nothing committed) from where they ended when the run began, on
 * a thread of its own, and tells the ledger: a prediction by its key, a dead letter by its
 * {@code chaos-id} header, else its key, else its {@code image-id} header.
 */
final class ChaosOutputs implements AutoCloseable {

    static final List<String> TOPICS = List.of(Topics.PREDICTIONS, Topics.DEAD_LETTERS, Topics.LABELED_DEAD_LETTERS);

    private final ChaosLedger ledger;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<String> missingTopics = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile boolean caughtUp;
    private volatile long lastRecordNanos = System.nanoTime();
    private volatile long records;

    ChaosOutputs(String bootstrap, ChaosLedger ledger) {
        this.ledger = ledger;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // only what the services committed: an aborted transaction's prediction is no answer
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // asking for a missing output topic must not create it on someone's cluster
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // dead letters carry the original record, up to the broker's 20 MB
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 32 << 20);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        for (String topic : TOPICS) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                missingTopics.add(topic);
                continue;
            }
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        // where they end now: nothing of this run's inputs can come before
        consumer.endOffsets(partitions, Duration.ofSeconds(30)).forEach(consumer::seek);
        thread = new Thread(this::run, "chaos-outputs");
        thread.setDaemon(true);
        thread.start();
    }

    /** Output topics that did not exist at the start (the service that writes one may be older than chaos). */
    List<String> missingTopics() {
        return List.copyOf(missingTopics);
    }

    long records() {
        return records;
    }

    /** Whether the last check found every partition read to its end (its last stable offset). */
    boolean caughtUp() {
        return caughtUp;
    }

    /** How long ago the last output record arrived. */
    Duration sinceLastRecord() {
        return Duration.ofNanos(System.nanoTime() - lastRecordNanos);
    }

    /** Waits until the reader has reached the end of every partition, at most {@code timeout}. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        caughtUp = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return caughtUp;
    }

    private void run() {
        long nextCheck = 0;
        while (!stopped) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    lastRecordNanos = System.nanoTime();
                    if (record.topic().equals(Topics.PREDICTIONS)) {
                        ledger.answered(text(record.key()));
                    } else {
                        ledger.deadLettered(idOf(record), reason(record));
                    }
                }
                if (System.nanoTime() >= nextCheck) {
                    nextCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(5));
                    Map<TopicPartition, Long> behind = new HashMap<>();
                    ends.forEach((partition, end) -> {
                        if (consumer.position(partition, Duration.ofSeconds(5)) < end) {
                            behind.put(partition, end);
                        }
                    });
                    caughtUp = behind.isEmpty();
                }
            } catch (KafkaException e) {
                // the broker is paused or restarting: keep trying, the records are still there afterwards
                caughtUp = false;
            }
        }
    }

    private static String idOf(ConsumerRecord<byte[], byte[]> record) {
        String chaosId = header(record, HostileRecords.CHAOS_ID);
        if (chaosId != null) {
            return chaosId;
        }
        String key = text(record.key());
        return key != null ? key : header(record, Headers.IMAGE_ID);
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        String reason = header(record, Headers.DEAD_LETTER_REASON);
        return reason == null ? "no reason given" : reason;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : text(header.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        consumer.close(Duration.ofSeconds(5));
    }
}

package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes images to Kafka with an idempotent {@code acks=all} producer: to {@code images.labeled} with the label
 * header when an image has a label, else to {@code images}; waits for every acknowledgement and counts the failures.
 */
final class KafkaImageSender {

    /** One record to publish. */
    record Item(String id, byte[] bytes, String contentType, String label) {}

    private KafkaImageSender() {}

    /** Publishes and waits for every acknowledgement; returns {unlabeled, labeled, bytes, failed}. */
    static long[] send(String bootstrap, List<Item> items, String what) throws InterruptedException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 20 << 20);
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long labeled = 0;
        long bytes = 0;
        Progress progress = new Progress(System.err, what, items.size());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (Item item : items) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                        item.label() == null ? Topics.IMAGES : Topics.LABELED, item.id(), item.bytes());
                record.headers().add(Headers.IMAGE_ID, item.id().getBytes(StandardCharsets.UTF_8));
                record.headers().add(Headers.CONTENT_TYPE, item.contentType().getBytes(StandardCharsets.UTF_8));
                record.headers().add("source", "alexstream-send".getBytes(StandardCharsets.UTF_8));
                if (item.label() != null) {
                    record.headers().add(Headers.LABEL, item.label().getBytes(StandardCharsets.UTF_8));
                    labeled++;
                }
                bytes += item.bytes().length;
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                    } else {
                        acknowledged.incrementAndGet();
                    }
                });
                progress.update(acknowledged.get());
            }
            producer.flush();
            progress.update(acknowledged.get() + failed.get());
        }
        return new long[] {items.size() - labeled, labeled, bytes, failed.get()};
    }
}

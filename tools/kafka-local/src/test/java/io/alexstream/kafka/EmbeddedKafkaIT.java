package io.alexstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration against a real broker. The in-process KRaft node accepts topics, an
 * idempotent acks=all producer's records (image-sized), and hands them to a consumer group;
 * a restart on the same log directory keeps them.
 */
class EmbeddedKafkaIT {

    @TempDir
    Path dir;

    @Test
    void producesConsumesAndKeepsRecordsAcrossARestart() throws Exception {
        byte[] image = new byte[3 << 20];
        new java.util.Random(1).nextBytes(image);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {
            kafka.createTopics(Map.of("images", 2));
            kafka.createTopics(Map.of("images", 2));
            try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
                RecordMetadata sent = producer.send(new ProducerRecord<>("images", "img-1", image))
                        .get();
                assertThat(sent.offset()).isGreaterThanOrEqualTo(0);
            }
            assertThat(consumeAll(kafka.bootstrapServers(), "group-a", 1))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(r.key()).isEqualTo("img-1");
                        assertThat(r.value()).isEqualTo(image);
                    });
        }
        try (EmbeddedKafka again = EmbeddedKafka.start(dir, 0)) {
            assertThat(consumeAll(again.bootstrapServers(), "group-b", 1))
                    .extracting(ConsumerRecord::key)
                    .containsExactly("img-1");
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(20 << 20));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static List<ConsumerRecord<String, byte[]>> consumeAll(String bootstrap, String group, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(20 << 20));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("images"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}

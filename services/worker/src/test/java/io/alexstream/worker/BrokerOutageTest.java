package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.testing.images.EncodedImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker that goes away. With a backlog in the worker's hands
 * the broker stops for 70 s, longer than SmallRye's 60 s throttled-commit watchdog, which used
 * to close the consumer for good; when it is back, the backlog and the images produced after it
 * are all answered and liveness stays UP. (A minute of this test is the outage itself.)
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class BrokerOutageTest {

    static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("alexstream.test.outage-seconds", 70));

    @Test
    void aBrokerOutageLongerThanTheWatchdogOnlyDelaysAnswers() throws Exception {
        Set<String> expected = new HashSet<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "out-before-" + i, png(24 + i % 20)))
                        .get();
                expected.add("out-before-" + i);
            }
        }
        // the worker is mid-backlog: about 10 images a second on these cores
        Thread.sleep(1500);
        WorkerTestResources.stopBroker();
        Thread.sleep(OUTAGE.toMillis());
        WorkerTestResources.startBroker();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(WorkerTestResources.IMAGES, "out-after-" + i, png(30)))
                        .get();
                expected.add("out-after-" + i);
            }
        }
        Set<String> answered = answered(expected, Duration.ofSeconds(120));
        assertThat(answered).containsExactlyInAnyOrderElementsOf(expected);
        given().when().get("/q/health/live").then().statusCode(200);
    }

    private static Set<String> answered(Set<String> expected, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-test-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(WorkerTestResources.PREDICTIONS));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!seen.containsAll(expected) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (expected.contains(r.key())) {
                        seen.add(r.key());
                    }
                });
            }
        }
        return seen;
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static byte[] png(int side) {
        return EncodedImages.png(side, side, side / 2, side / 2, 0x00ff00);
    }
}

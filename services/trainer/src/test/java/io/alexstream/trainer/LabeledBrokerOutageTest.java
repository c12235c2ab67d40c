package io.alexstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.trainer.training.ExampleBank;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Properties;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration against a real broker that goes away. A record with a null label arrives
 * just before the broker stops for 70 s (longer than SmallRye's old 60 s throttled-commit
 * watchdog): its dead letter cannot be sent, so its poll stays unacknowledged through the
 * outage. When the broker is back the dead letter arrives with its reason, the labelled images
 * produced before and after are all stored, and liveness stays UP. (A minute of this test is
 * the outage itself.)
 */
@QuarkusTest
@QuarkusTestResource(value = TrainerTestResources.class, restrictToAnnotatedClass = true)
class LabeledBrokerOutageTest {

    static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("alexstream.test.outage-seconds", 70));

    @Inject
    ExampleBank bank;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void aBrokerOutageLongerThanTheWatchdogOnlyDelaysStoring() throws Exception {
        int before = stored();
        produce("outage-before-", 30);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> noLabel =
                    new ProducerRecord<>("images.labeled", "outage-no-label", new byte[] {1});
            noLabel.headers().add(new org.apache.kafka.common.header.internals.RecordHeader("label", null));
            producer.send(noLabel).get();
        }
        // the consumer has the record; the broker goes before its dead letter is acknowledged
        Thread.sleep(150);
        TrainerTestResources.stopBroker();
        Thread.sleep(OUTAGE.toMillis());
        TrainerTestResources.startBroker();
        produce("outage-after-", 20);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (stored() < before + 50 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(stored())
                .as("examples stored from before and after the outage")
                .isEqualTo(before + 50);
        assertThat(deadLetterReason("outage-no-label")).isEqualTo("BAD_HEADER");
        given().when().get("/q/health/live").then().statusCode(200);
    }

    private String deadLetterReason(String key) {
        Properties props = new Properties();
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "outage-test-" + System.nanoTime());
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                props,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(java.util.List.of("images.labeled.dead-letter"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(300))) {
                    var reason = record.headers().lastHeader("dead-letter-reason");
                    if (key.equals(record.key()) && reason != null) {
                        return new String(reason.value(), java.nio.charset.StandardCharsets.UTF_8);
                    }
                }
            }
        }
        return null;
    }

    private int stored() {
        return ((Number) bank.stats().get("stored")).intValue();
    }

    private void produce(String prefix, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        Random random = new Random(prefix.hashCode());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 40; p++) {
                    image.getRaster().setSample(random.nextInt(28), random.nextInt(28), 0, random.nextInt(256));
                }
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(image, "png", png);
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>("images.labeled", prefix + i, png.toByteArray());
                record.headers()
                        .add("image-id", (prefix + i).getBytes())
                        .add("label", Integer.toString(i % 10).getBytes());
                producer.send(record).get();
            }
        }
    }
}

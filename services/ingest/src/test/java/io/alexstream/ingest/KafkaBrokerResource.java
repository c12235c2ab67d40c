package io.alexstream.ingest;

import io.alexstream.kafka.EmbeddedKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts a real single-node KRaft broker for the tests and points the application at it. */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    static final String IMAGES_TOPIC = "images";
    static final String LABELED_TOPIC = "images.labeled";
    static volatile String bootstrapServers;

    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("alexstream-ingest-kafka");
            kafka = EmbeddedKafka.start(dir, 0);
            kafka.createTopics(Map.of(IMAGES_TOPIC, 2, LABELED_TOPIC, 1));
            bootstrapServers = kafka.bootstrapServers();
            return Map.of("kafka.bootstrap.servers", bootstrapServers);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test Kafka broker", e);
        }
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}

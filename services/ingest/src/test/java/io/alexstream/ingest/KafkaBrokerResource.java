package io.alexstream.ingest;

import io.alexstream.contracts.Topics;
import io.alexstream.testing.kafka.TestBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Starts a real single-node KRaft broker for the tests and points the application at it. */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    static final String IMAGES_TOPIC = "images";
    static final String LABELED_TOPIC = "images.labeled";
    static final String LABELS_TOPIC = Topics.LABELS;
    static volatile String bootstrapServers;

    private TestBroker kafka;

    @Override
    public Map<String, String> start() {
        try {
            kafka = TestBroker.startInTempDir(
                    "alexstream-ingest-kafka", Map.of(IMAGES_TOPIC, 2, LABELED_TOPIC, 1, LABELS_TOPIC, 2));
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

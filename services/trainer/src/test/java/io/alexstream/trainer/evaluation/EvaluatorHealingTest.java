package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.Profiles;
import io.alexstream.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain, on a real broker (kafka-local). An evaluator started before its topics exist: Kafka Streams stops it
 * with a missing source topic (the thread's failure answered with SHUTDOWN_CLIENT, so it does not spin), the health
 * says DOWN and names the missing topics, no client is started while they are missing, and once they are created the
 * supervisor starts one that reaches RUNNING: nobody restarts the trainer.
 */
class EvaluatorHealingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private EmbeddedKafka kafka;
    private EvaluatorSupervisor supervisor;

    @AfterEach
    void stop() {
        if (supervisor != null) {
            supervisor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anEvaluatorStartedBeforeItsTopicsRunsOnceTheyAreCreated() throws Exception {
        Path dir = Files.createTempDirectory("alexstream-evaluator-healing-test");
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        EvaluationTopics topics = EvaluationTopics.defaults();
        EvaluationSettings settings = new EvaluationSettings(
                topics, Duration.ofMinutes(10), Duration.ofHours(1), 1 << 20, Profiles.FASHION_MNIST_CLASSES);
        supervisor = new EvaluatorSupervisor(
                monitor -> {
                    Properties properties = EvaluationStreams.properties(
                            "evaluator-healing-test", kafka.bootstrapServers(), dir.resolve("state"));
                    return new EvaluationStreams(properties, settings, EvaluationListener.NONE, monitor);
                },
                new BrokerTopics(kafka.bootstrapServers(), topics),
                new EvaluatorSupervisor.Settings(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofMinutes(2)),
                Clock.systemUTC());
        supervisor.start();

        EvaluatorSupervisor.Health down =
                await(h -> h.reason() != null && h.reason().startsWith("topics missing"));
        assertThat(down.up()).isFalse();
        assertThat(down.state()).isEqualTo("ERROR");
        assertThat(down.lastFailure()).as("Kafka Streams' own reason").startsWith("source topic missing");
        assertThat(down.reason()).contains(String.join(", ", new TreeSet<>(topics.all())));
        assertThat(supervisor.running()).isFalse();
        long restartsWhileMissing = supervisor.restarts();
        Thread.sleep(3000);
        assertThat(supervisor.restarts())
                .as("no client started while the topics are missing")
                .isEqualTo(restartsWhileMissing);

        Map<String, Integer> partitions = new LinkedHashMap<>();
        topics.all().forEach(topic -> partitions.put(topic, 1));
        kafka.createTopics(partitions);

        EvaluatorSupervisor.Health up = await(h -> h.state().equals("RUNNING"));
        assertThat(up.up()).isTrue();
        assertThat(supervisor.running()).isTrue();
        assertThat(supervisor.restarts()).isGreaterThan(restartsWhileMissing);
    }

    /** Ticks the supervisor as the trainer does, every second, until its health matches. */
    private EvaluatorSupervisor.Health await(Predicate<EvaluatorSupervisor.Health> condition) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        EvaluatorSupervisor.Health health = supervisor.health();
        while (Instant.now().isBefore(deadline)) {
            supervisor.check();
            health = supervisor.health();
            if (condition.test(health)) {
                return health;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("not within " + PATIENCE + "; last health " + health);
    }
}

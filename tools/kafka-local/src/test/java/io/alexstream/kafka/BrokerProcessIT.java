package io.alexstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration against a real broker in a child JVM, as the local stack and chaos run it:
 * it starts with its topics, stops answering while paused (SIGSTOP) and answers again once
 * continued, and a broker started again after a SIGKILL is the same cluster at the same address
 * with its topics still there.
 */
class BrokerProcessIT {

    @TempDir
    Path dir;

    @Test
    void pausesResumesAndRestartsAtTheSameAddress() throws Exception {
        BrokerProcess.Builder builder = BrokerProcess.builder(dir.resolve("kafka"), 0)
                .topics(Map.of("images", 2))
                .log(dir.resolve("kafka.log"));
        BrokerProcess broker = builder.start();
        try {
            assertThat(broker.bootstrapServers()).isEqualTo(builder.bootstrapServers());
            assertThat(partitions(broker, Duration.ofSeconds(30))).isEqualTo(2);

            broker.pause();
            assertThat(broker.isAlive()).isTrue();
            assertThat(broker.probeLive())
                    .as("a paused broker is not a dead one")
                    .isTrue();
            assertThat(catchThrowable(() -> partitions(broker, Duration.ofSeconds(3))))
                    .as("no answer while paused")
                    .isNotNull();
            broker.resume();
            assertThat(partitions(broker, Duration.ofSeconds(30))).isEqualTo(2);

            broker.kill();
            assertThat(broker.exitCode()).hasValue(137);
        } finally {
            broker.close();
        }
        BrokerProcess again = builder.start();
        try {
            assertThat(again.bootstrapServers()).isEqualTo(broker.bootstrapServers());
            assertThat(partitions(again, Duration.ofSeconds(30)))
                    .as("the topic survived the restart")
                    .isEqualTo(2);
        } finally {
            again.close();
        }
        assertThat(again.isAlive()).isFalse();
    }

    private static int partitions(BrokerProcess broker, Duration timeout) throws Exception {
        Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis()));
        try {
            return admin.describeTopics(List.of("images"))
                    .allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get("images")
                    .partitions()
                    .size();
        } finally {
            // close() without a limit waits for the paused broker's answer forever
            admin.close(Duration.ofSeconds(1));
        }
    }
}

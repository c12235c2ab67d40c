package io.alexstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration against a real broker, as the local stack runs it: a child JVM that says
 * READY with its address, has created the requested topics, and stops cleanly on SIGTERM.
 */
class EmbeddedKafkaProcessIT {

    @TempDir
    Path dir;

    @Test
    void runsAsAChildProcessAndStopsOnSigterm() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        javaBin,
                        "-cp",
                        System.getProperty("java.class.path"),
                        EmbeddedKafkaMain.class.getName(),
                        "--dir",
                        dir.toString(),
                        "--port",
                        "0",
                        "--topic",
                        "images:3",
                        "--topic",
                        "predictions:1")
                .redirectErrorStream(true)
                .start();
        try {
            String bootstrap = null;
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String line;
            while (bootstrap == null && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    bootstrap = line.substring("READY ".length()).trim();
                }
            }
            assertThat(bootstrap).as("READY line from the broker process").isNotNull();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                var topics = admin.describeTopics(java.util.List.of("images", "predictions"))
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS);
                assertThat(topics.get("images").partitions()).hasSize(3);
                assertThat(topics.get("predictions").partitions()).hasSize(1);
            }
            process.destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("broker stopped within 60 s of SIGTERM")
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }
    }
}

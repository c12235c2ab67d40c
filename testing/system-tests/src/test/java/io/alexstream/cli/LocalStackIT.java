package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.local.ServiceProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, the local stack as {@code ./alexstream up} runs it: a broker, the
 * packaged trainer, ingest and one worker as processes. The trainer's store already holds a
 * version, which the worker pulls before it becomes ready; images sent with {@code send} get
 * their predictions; each service holds only its role's token; a worker killed with SIGKILL is
 * restarted by the supervisor, logged and counted in the table; a second stack on the same work
 * directory is refused; closing leaves no process behind, the broker's child process included.
 */
class LocalStackIT {

    @TempDir
    Path work;

    @Test
    void upSendReceiveAndDownLeavesNothingRunning() throws Exception {
        Path root = Path.of(System.getProperty("alexstream.root", "../.."))
                .toAbsolutePath()
                .normalize();
        SeedVersion.write(work.resolve("trainer"), Map.of());
        // fixed ports below Linux's ephemeral range (32768-60999), so no client socket can be holding them
        StackOptions options = new StackOptions(root, work, 1, "small", 0, 21180, Map.of());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<ServiceProcess> services;
        long broker;
        try (LocalStack stack = LocalStack.start(options, new PrintStream(console, true))) {
            services = stack.services();
            assertThat(services).extracting(ServiceProcess::name).containsExactly("trainer", "ingest", "worker-1");
            stack.workers().get(0).awaitReady(Duration.ofSeconds(120));

            var second = org.assertj.core.api.Assertions.catchThrowable(
                    () -> LocalStack.start(options, new PrintStream(console)));
            // the pid file names this (live) JVM, which running() does not count; a port check refuses instead
            assertThat(second).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");

            stack.printTable(new PrintStream(console, true));
            assertThat(console.toString()).contains("worker-1", "http://127.0.0.1:21181/q/metrics", "credentials.env");
            assertThat(Files.readString(work.resolve("credentials.env")))
                    .contains(
                            "ALEXSTREAM_AUTH_WORKER_TOKEN=",
                            "ALEXSTREAM_AUTH_OPERATOR_TOKEN=",
                            "ALEXSTREAM_AUTH_LABELLER_TOKEN=",
                            "ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN=");
            assertThat(tokensIn(stack.trainer()))
                    .containsExactlyInAnyOrder(
                            "ALEXSTREAM_AUTH_WORKER_TOKEN",
                            "ALEXSTREAM_AUTH_OPERATOR_TOKEN",
                            "ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN");
            assertThat(tokensIn(stack.ingest())).containsExactly("ALEXSTREAM_AUTH_LABELLER_TOKEN");
            assertThat(tokensIn(stack.workers().get(0))).containsExactly("ALEXSTREAM_AUTH_WORKER_TOKEN");

            Path images = Files.createDirectories(work.resolve("some-images"));
            List<String> names = new ArrayList<>();
            for (Sample sample : DemoDatasets.generated("img", 6, 3)) {
                Files.write(images.resolve(sample.id() + ".png"), sample.png());
                names.add(sample.id());
            }
            List<KafkaImageSender.Item> items = new ArrayList<>();
            SendCommand.collect(images, null, items, 100);
            assertThat(items)
                    .hasSize(6)
                    .allSatisfy(item -> assertThat(item.label()).isNull());
            assertThat(KafkaImageSender.send(stack.bootstrapServers(), items, "test")[3])
                    .as("failed sends")
                    .isZero();

            Map<String, Integer> answers = new HashMap<>();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "up-it");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("predictions"));
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (answers.size() < items.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        assertThat(r.value()).contains("\"model_version\":1");
                        answers.merge(r.key(), 1, Integer::sum);
                    });
                }
            }
            assertThat(answers.keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            items.stream().map(KafkaImageSender.Item::id).toList());

            ServiceProcess killed = stack.workers().get(0);
            killed.kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (stack.workers().get(0) == killed && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(stack.workers().get(0).pid())
                    .as("worker-1 restarted by the supervisor")
                    .isNotEqualTo(killed.pid());
            assertThat(stack.workers().get(0).probeLive()).isTrue();
            assertThat(stack.restarts()).containsEntry("worker-1", 1).containsEntry("trainer", 0);
            assertThat(console.toString())
                    .contains(
                            "supervisor: worker-1 exited (exit code 137); restart attempt 1 in 1 s",
                            "supervisor: worker-1 restarted (pid "
                                    + stack.workers().get(0).pid());
            services = new ArrayList<>(stack.services());
            services.add(killed);
            broker = stack.brokerProcess().orElseThrow().pid();
        }
        for (ServiceProcess service : services) {
            assertThat(service.isAlive())
                    .as("%s still running after close", service.name())
                    .isFalse();
            assertThat(ProcessHandle.of(service.pid())
                            .map(ProcessHandle::isAlive)
                            .orElse(false))
                    .isFalse();
        }
        assertThat(ProcessHandle.of(broker).map(ProcessHandle::isAlive).orElse(false))
                .as("broker still running after close")
                .isFalse();
        assertThat(LocalStack.running(work)).isEmpty();
        assertThat(Files.exists(work.resolve("stack.pid"))).isFalse();
    }

    /** The ALEXSTREAM_AUTH_* variables a process was started with, from /proc/PID/environ. */
    private static List<String> tokensIn(ServiceProcess process) throws java.io.IOException {
        String environ = Files.readString(Path.of("/proc", Long.toString(process.pid()), "environ"));
        return java.util.Arrays.stream(environ.split("\0"))
                .filter(v -> v.startsWith("ALEXSTREAM_AUTH_"))
                .map(v -> v.substring(0, v.indexOf('=')))
                .toList();
    }
}

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
 * their predictions; a second stack on the same work directory is refused; closing leaves no
 * process behind.
 */
class LocalStackIT {

    @TempDir
    Path work;

    @Test
    void upSendReceiveAndDownLeavesNothingRunning() throws Exception {
        Path root = Path.of(System.getProperty("alexstream.root", "../..")).toAbsolutePath().normalize();
        SeedVersion.write(work.resolve("trainer"), Map.of());
        // fixed ports below Linux's ephemeral range (32768-60999), so no client socket can be holding them
        LocalStack.Options options = new LocalStack.Options(root, work, 1, "small", 0, 21180, Map.of());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<ServiceProcess> services;
        try (LocalStack stack = LocalStack.start(options, new PrintStream(console, true))) {
            services = stack.services();
            assertThat(services).extracting(ServiceProcess::name).containsExactly("trainer", "ingest", "worker-1");
            stack.workers().get(0).awaitReady(Duration.ofSeconds(120));

            var second = org.assertj.core.api.Assertions.catchThrowable(() -> LocalStack.start(options, new PrintStream(console)));
            // the pid file names this (live) JVM, which running() does not count; a port check refuses instead
            assertThat(second).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");

            stack.printTable(new PrintStream(console, true));
            assertThat(console.toString()).contains("worker-1", "http://127.0.0.1:21181/q/metrics", "credentials.env");
            assertThat(Files.readString(work.resolve("credentials.env"))).contains("ALEXSTREAM_AUTH_TRAINER_TOKEN=");

            Path images = Files.createDirectories(work.resolve("some-images"));
            List<String> names = new ArrayList<>();
            for (DemoCommand.Sample sample : DemoCommand.generated("img", 6, 3)) {
                Files.write(images.resolve(sample.id() + ".png"), sample.png());
                names.add(sample.id());
            }
            List<SendCommand.Item> items = new ArrayList<>();
            SendCommand.collect(images, null, items, 100);
            assertThat(items).hasSize(6).allSatisfy(item -> assertThat(item.label()).isNull());
            assertThat(SendCommand.send(stack.bootstrapServers(), items, "test")[3]).as("failed sends").isZero();

            Map<String, Integer> answers = new HashMap<>();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "up-it");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("predictions"));
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (answers.size() < items.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        assertThat(r.value()).contains("\"model_version\":1");
                        answers.merge(r.key(), 1, Integer::sum);
                    });
                }
            }
            assertThat(answers.keySet()).containsExactlyInAnyOrderElementsOf(items.stream().map(SendCommand.Item::id).toList());
        }
        for (ServiceProcess service : services) {
            assertThat(service.isAlive()).as("%s still running after close", service.name()).isFalse();
            assertThat(ProcessHandle.of(service.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
        assertThat(LocalStack.running(work)).isEmpty();
        assertThat(Files.exists(work.resolve("stack.pid"))).isFalse();
    }
}

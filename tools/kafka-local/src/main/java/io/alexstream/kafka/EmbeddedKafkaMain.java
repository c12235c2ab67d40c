package io.alexstream.kafka;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedKafka} as its own process until it is stopped (SIGTERM or Ctrl-C):
 * {@code java -cp ... io.alexstream.kafka.EmbeddedKafkaMain --dir DIR [--port 9092] [--topic NAME:PARTITIONS ...]}.
 * Prints {@code READY <bootstrap servers>} on standard output once the broker answers.
 */
public final class EmbeddedKafkaMain {

    private EmbeddedKafkaMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("work/kafka");
        int port = 9092;
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--topic" -> {
                    String[] parts = args[++i].split(":");
                    topics.put(parts[0], parts.length > 1 ? Integer.parseInt(parts[1]) : 1);
                }
                default ->
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + "; usage: --dir DIR [--port N] [--topic NAME:PARTITIONS]...");
            }
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, port);
        kafka.createTopics(topics);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            kafka.close();
                            stopped.countDown();
                        },
                        "kafka-shutdown"));
        System.out.println("READY " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}

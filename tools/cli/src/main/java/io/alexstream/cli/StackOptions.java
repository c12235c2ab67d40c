package io.alexstream.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to lay a local stack out: where the packaged services are, its work directory, the number of workers, the
 * profile, the ports, extra configuration for the trainer and for every worker, and where the broker runs.
 */
record StackOptions(
        Path root,
        Path work,
        int workers,
        String profile,
        int kafkaPort,
        int basePort,
        Map<String, String> trainerProperties,
        Map<String, String> workerProperties,
        Broker broker,
        int shadowWorkers) {

    /** Where the broker runs: its own JVM (it can be paused, killed and restarted apart) or inside this one. */
    enum Broker {
        CHILD,
        IN_PROCESS
    }

    StackOptions(
            Path root,
            Path work,
            int workers,
            String profile,
            int kafkaPort,
            int basePort,
            Map<String, String> trainerProperties) {
        this(root, work, workers, profile, kafkaPort, basePort, trainerProperties, Map.of(), Broker.CHILD, 0);
    }

    /**
     * {@code --work --workers --profile --kafka-port --base-port --broker}, as {@code up}, {@code down} and
     * {@code demo} read them.
     */
    static StackOptions fromArguments(Arguments arguments, Map<String, String> trainerProperties) {
        Path root = Path.of(System.getProperty("alexstream.root", "."))
                .toAbsolutePath()
                .normalize();
        return new StackOptions(
                root,
                Path.of(arguments.get("work", root.resolve("work").toString())).toAbsolutePath(),
                arguments.getInt("workers", 2),
                arguments.get("profile", "small"),
                arguments.getInt("kafka-port", 9092),
                arguments.getInt("base-port", 8080),
                trainerProperties,
                Map.of(),
                broker(arguments),
                0);
    }

    /** The same stack with these properties for every worker. */
    StackOptions withWorkerProperties(Map<String, String> properties) {
        return new StackOptions(
                root,
                work,
                workers,
                profile,
                kafkaPort,
                basePort,
                trainerProperties,
                properties,
                broker,
                shadowWorkers);
    }

    /** The same stack with {@code count} shadow workers beside the serving ones (ports after theirs). */
    StackOptions withShadowWorkers(int count) {
        return new StackOptions(
                root, work, workers, profile, kafkaPort, basePort, trainerProperties, workerProperties, broker, count);
    }

    static Broker broker(Arguments arguments) {
        String broker = arguments.get("broker", "child");
        return switch (broker) {
            case "child" -> Broker.CHILD;
            case "in-process" -> Broker.IN_PROCESS;
            default -> throw new IllegalArgumentException("--broker is child or in-process, not " + broker);
        };
    }

    int trainerPort() {
        return basePort + 2;
    }

    /** Worker 1 next to ingest (8081 by default), the others after the trainer (8083, 8084, ...). */
    int workerPort(int worker) {
        return worker == 1 ? basePort + 1 : basePort + 2 + (worker - 1);
    }

    /** A worker's gRPC server listens 1000 above its HTTP port (8081 -> 9081), as in the worker's own defaults. */
    static int grpcPort(int httpPort) {
        return httpPort + 1000;
    }

    /** Every port the stack listens on: the broker's, ingest's, the trainer's, each worker's HTTP and gRPC. */
    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>(List.of(kafkaPort, basePort, trainerPort()));
        for (int i = 1; i <= workers; i++) {
            ports.add(workerPort(i));
            ports.add(grpcPort(workerPort(i)));
        }
        return ports;
    }
}

package io.alexstream.cli;

import io.alexstream.kafka.BrokerProcess;
import io.alexstream.local.ServiceProcess;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The local stack as a table on the console: one row per process (the broker first) with its pid, HTTP and gRPC
 * ports, restarts so far, metrics address and log file, then where the model-management tokens are.
 */
final class StackTable {

    private static final String FORMAT = "%-10s %-8s %-6s %-6s %-8s %-36s %s%n";

    private StackTable() {}

    static void print(LocalStack stack, PrintStream out) {
        out.printf(Locale.ROOT, FORMAT, "service", "pid", "HTTP", "gRPC", "restarts", "metrics", "log");
        Map<String, Integer> restarts = stack.restarts();
        Optional<BrokerProcess> broker = stack.brokerProcess();
        if (broker.isPresent()) {
            out.printf(
                    Locale.ROOT,
                    FORMAT,
                    "kafka",
                    broker.get().pid(),
                    "-",
                    "-",
                    restarts.get("kafka"),
                    stack.bootstrapServers() + " (child process)",
                    broker.get().log());
        } else if (stack.kafkaInProcess()) {
            out.printf(
                    Locale.ROOT,
                    FORMAT,
                    "kafka",
                    ProcessHandle.current().pid(),
                    "-",
                    "-",
                    "-",
                    stack.bootstrapServers() + " (in this process)",
                    stack.work().resolve("kafka"));
        }
        for (ServiceProcess service : stack.services()) {
            out.printf(
                    Locale.ROOT,
                    FORMAT,
                    service.name(),
                    service.pid(),
                    service.port(),
                    // ingest serves no gRPC
                    "ingest".equals(service.name()) ? "-" : Integer.toString(service.grpcPort()),
                    restarts.get(service.name()),
                    service.uri("/q/metrics"),
                    service.log());
        }
        out.println("tokens for the model-management calls: " + stack.work().resolve("credentials.env"));
    }
}

package io.alexstream.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code up [--workers 2] [--work work] [--profile small] [--kafka-port 9092] [--base-port 8080]}:
 * the whole system on this machine until Ctrl-C (or {@code down}); {@code down [--work work]}
 * stops a running one.
 */
final class UpCommand {

    private UpCommand() {
    }

    static LocalStack.Options options(Arguments arguments, Map<String, String> trainerProperties) {
        Path root = Path.of(System.getProperty("alexstream.root", ".")).toAbsolutePath().normalize();
        return new LocalStack.Options(root, Path.of(arguments.get("work", root.resolve("work").toString())).toAbsolutePath(),
                arguments.getInt("workers", 2), arguments.get("profile", "small"), arguments.getInt("kafka-port", 9092),
                arguments.getInt("base-port", 8080), trainerProperties);
    }

    static int up(Arguments arguments) throws Exception {
        LocalStack.Options options = options(arguments, Map.of());
        LocalStack stack;
        try {
            stack = LocalStack.start(options, System.out);
        } catch (IllegalStateException e) {
            System.err.println("alexstream up: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping: workers, ingest, trainer, then Kafka ...");
            stack.close();
            System.out.println("stopped; no process left behind");
            stopped.countDown();
        }, "alexstream-down"));
        stack.printTable(System.out);
        System.out.println("workers become ready when the trainer rolls out a version (send labeled images, or run ./alexstream demo).");
        System.out.println("Ctrl-C or ./alexstream down stops everything.");
        stopped.await();
        return 0;
    }

    static int down(Arguments arguments) throws Exception {
        LocalStack.Options options = options(arguments, Map.of());
        Optional<ProcessHandle> stack = LocalStack.running(options.work());
        if (stack.isEmpty()) {
            System.out.println("no stack is running from " + options.work());
            return 0;
        }
        stack.get().destroy();
        stack.get().onExit().get();
        System.out.println("stopped the stack (pid " + stack.get().pid() + ")");
        return 0;
    }
}

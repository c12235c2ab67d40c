package io.alexstream.cli;

import io.alexstream.local.Supervisor;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code up [--workers 2] [--work work] [--profile small] [--kafka-port 9092] [--base-port 8080]
 * [--broker child|in-process]}:
 * the whole system on this machine until Ctrl-C (or {@code down}), its services supervised
 * (the table is printed again after each restart); {@code down [--work work]} stops a running one.
 * The broker runs as a child process by default, supervised like the services and pausable
 * by {@code chaos}; {@code --broker in-process} keeps it inside this JVM (one process less).
 */
final class UpCommand {

    private UpCommand() {}

    static int up(Arguments arguments) throws Exception {
        StackOptions options = StackOptions.fromArguments(arguments, Map.of());
        AtomicReference<LocalStack> started = new AtomicReference<>();
        Supervisor.Listener reprint = new Supervisor.Listener() {
            @Override
            public void restarted(String service, long pid, int attempt) {
                LocalStack stack = started.get();
                if (stack != null) {
                    stack.printTable(System.out);
                }
            }
        };
        LocalStack stack;
        try {
            stack = LocalStack.start(options, System.out, reprint);
            started.set(stack);
        } catch (IllegalStateException e) {
            System.err.println("alexstream up: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("\nstopping: workers, ingest, trainer, then Kafka ...");
                            stack.close();
                            System.out.println("stopped; no process left behind");
                            stopped.countDown();
                        },
                        "alexstream-down"));
        stack.printTable(System.out);
        System.out.println("workers become ready when the trainer rolls out a version "
                + "(send labeled images, or run ./alexstream demo).");
        System.out.println("Ctrl-C or ./alexstream down stops everything.");
        stopped.await();
        return 0;
    }

    static int down(Arguments arguments) throws Exception {
        StackOptions options = StackOptions.fromArguments(arguments, Map.of());
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

package io.alexstream.cli;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Entry point of {@code ./alexstream}: dispatches to one subcommand. */
public final class Main {

    interface Command {
        int run(Arguments arguments) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new TreeMap<>(Map.of(
            "model-info", ModelInfoCommand::run,
            "bench", BenchCommand::run,
            "train", TrainCommand::run,
            "kafka", KafkaCommand::run,
            "up", UpCommand::up,
            "down", UpCommand::down,
            "send", SendCommand::run,
            "classify", ClassifyCommand::run,
            "demo", DemoCommand::run,
            "chaos", ChaosCommand::run));

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !COMMANDS.containsKey(args[0])) {
            System.err.println(
                    "usage: alexstream <command> [options]; commands: " + String.join(", ", COMMANDS.keySet()));
            System.exit(args.length == 0 ? 0 : 2);
        }
        Arguments arguments = Arguments.parse(Arrays.copyOfRange(args, 1, args.length));
        try {
            System.exit(COMMANDS.get(args[0]).run(arguments));
        } catch (IllegalArgumentException e) {
            // a bad option: its message says which and why; a stack trace would only bury it
            System.err.println("alexstream " + args[0] + ": " + e.getMessage());
            System.exit(2);
        }
    }
}

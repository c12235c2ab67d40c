package io.alexstream.cli;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Entry point of {@code ./alexstream}: dispatches to one subcommand. */
public final class Main {

    interface Command {
        int run(Arguments arguments) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new TreeMap<>(Map.ofEntries(
            Map.<String, Command>entry("model-info", ModelInfoCommand::run),
            Map.<String, Command>entry("bench", BenchCommand::run),
            Map.<String, Command>entry("train", TrainCommand::run),
            Map.<String, Command>entry("kafka", KafkaCommand::run),
            Map.<String, Command>entry("up", UpCommand::up),
            Map.<String, Command>entry("down", UpCommand::down),
            Map.<String, Command>entry("send", SendCommand::run),
            Map.<String, Command>entry("label", LabelCommand::run),
            Map.<String, Command>entry("promote", PromoteCommand::run),
            Map.<String, Command>entry("classify", ClassifyCommand::run),
            Map.<String, Command>entry("demo", DemoCommand::run),
            Map.<String, Command>entry("chaos", ChaosCommand::run)));

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

package io.alexstream.cli;

import io.alexstream.kafka.EmbeddedKafkaMain;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kafka [--dir work/kafka] [--port 9092] [--topic NAME:PARTITIONS]...}: a real single-node
 * KRaft broker in the foreground until Ctrl-C.
 */
final class KafkaCommand {

    private KafkaCommand() {}

    static int run(Arguments arguments) throws Exception {
        List<String> args = new ArrayList<>(
                List.of("--dir", arguments.get("dir", "work/kafka"), "--port", arguments.get("port", "9092")));
        for (String topic : arguments.all("topic")) {
            args.add("--topic");
            args.add(topic);
        }
        EmbeddedKafkaMain.main(args.toArray(String[]::new));
        return 0;
    }
}

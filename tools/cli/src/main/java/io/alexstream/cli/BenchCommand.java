package io.alexstream.cli;

import io.alexstream.bench.Bench;
import io.alexstream.bench.BenchOptions;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.PrecisionChoice;
import io.alexstream.engine.runtime.SessionOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code bench [--profile paper] [--groups N] [--batches 1,2,4,8,16] [--train-batch 128] [--precision auto|fp32|bf16]
 * [--peer-rounds 2] [--json]}: reads the
 * options and runs the benchmark of the bench module (the machine's fp32 matmul ceiling, then 10-crop inference and
 * training of the profile, then the packaged services against the bare engine); with {@code --json}, its figures
 * on one line at the end.
 */
final class BenchCommand {

    private BenchCommand() {}

    static int run(Arguments arguments) {
        AlexNetConfig config = Profiles.byName(arguments.get("profile", Profiles.PAPER));
        if (arguments.options().containsKey("groups")) {
            config = config.withGroups(arguments.getInt("groups", config.groups()));
        }
        int[] batches = Arrays.stream(arguments.get("batches", "1,2,4,8,16").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int trainBatch = arguments.getInt("train-batch", 128);
        int trainSteps = arguments.getInt("train-steps", 3);
        SessionOptions threaded = SessionOptions.cpu()
                .withThreads(
                        arguments.getInt("threads", SessionOptions.cpuIntraOpThreads()), arguments.getInt("inter", 0));
        // the worker's own choice (alexstream.worker.precision, auto by default), so the bench measures what serves
        PrecisionChoice precision = PrecisionChoice.choose(arguments.get("precision", "auto"), threaded);
        SessionOptions session = threaded.withPrecision(precision.precision());
        Path root = Path.of(System.getProperty("alexstream.root", "."))
                .toAbsolutePath()
                .normalize();
        BenchOptions options = new BenchOptions(
                config,
                session,
                batches,
                trainBatch,
                trainSteps,
                arguments.getInt("matmul-runs", 5),
                arguments.getInt("background-load-threads", 0),
                arguments.getInt("pipeline-images", 256),
                arguments.getInt("grpc-calls", 30),
                arguments.getInt("trainer-images", 1024),
                arguments.getInt("peer-rounds", 2),
                root);
        Map<String, Object> figures = Bench.run(options);
        if (arguments.flag("json")) {
            System.out.println(Json.write(figures));
        }
        return 0;
    }
}

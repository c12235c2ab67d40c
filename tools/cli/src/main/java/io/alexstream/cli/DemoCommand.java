package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.bench.TrainerStatus;
import io.alexstream.local.FileTrees;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.TriggerRoundRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code demo [--json] [--keep] [--workers 2] [--train 60000] [--test 10000] [--first-round-images 30000]
 * [--first-round-epochs 1] [--epochs-per-round 5]}:
 * starts the stack, streams the Fashion-MNIST training split into the labeled topic in two
 * halves (the trainer trains and rolls out a version after each), streams the test split
 * through the images topic with a few bad records, classifies the test split's centre crops
 * over gRPC, joins the predictions with the true labels, prints the table, writes an HTML
 * report and stops the stack.
 */
final class DemoCommand {

    static final int BAD_RECORDS = 5;

    private final Arguments arguments;
    private final PrintStream out;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DemoCommand(Arguments arguments, PrintStream out) {
        this.arguments = arguments;
        this.out = out;
    }

    static DemoCommand create(Arguments arguments, PrintStream out) {
        return new DemoCommand(arguments, out);
    }

    static int run(Arguments arguments) throws Exception {
        boolean asJson = arguments.flag("json");
        Map<String, Object> result = new DemoCommand(arguments, System.out).demo();
        if (asJson) {
            System.out.println(new ObjectMapper().writeValueAsString(result));
        }
        return ((Number) result.get("lost")).longValue() == 0 ? 0 : 1;
    }

    Map<String, Object> demo() throws Exception {
        long started = System.nanoTime();
        Dataset data = DemoDatasets.load(
                Path.of(arguments.get("data", "/usr/share/datasets/fashion-mnist")),
                arguments.getInt("train", 60_000),
                arguments.getInt("test", 10_000),
                out);
        int epochs = arguments.getInt("epochs-per-round", 5);
        Map<String, String> trainer = Map.of(
                // rounds are started by this script, after each half of the data
                "alexstream.trainer.min-new-examples", "1000000000",
                "alexstream.trainer.epochs-per-round", Integer.toString(epochs),
                "alexstream.trainer.first-model-margin", "0.2");
        StackOptions options = StackOptions.fromArguments(arguments, trainer);
        Path work = options.work();
        if (LocalStack.running(work).isEmpty()) {
            FileTrees.delete(work.resolve("trainer"));
            FileTrees.delete(work.resolve("kafka"));
            for (int i = 1; i <= options.workers(); i++) {
                FileTrees.delete(work.resolve("worker-" + i));
            }
        }
        LocalStack stack = LocalStack.start(options, out);
        Thread stopOnCtrlC = new Thread(stack::close, "demo-stop");
        Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
        try {
            stack.printTable(out);
            return script(stack, data, started);
        } finally {
            if (!arguments.flag("keep")) {
                out.println("stopping the stack ...");
                stack.close();
                Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
            } else {
                out.println("--keep: the stack keeps running; ./alexstream down stops it");
            }
        }
    }

    private Map<String, Object> script(LocalStack stack, Dataset data, long started) throws Exception {
        // version 1 comes quickly from the first half; version 2 trains longer on everything
        int epochs = arguments.getInt("epochs-per-round", 5);
        int firstEpochs = arguments.getInt("first-round-epochs", 1);
        ServiceProcess trainer = stack.trainer();
        ManagedChannel trainerChannel = ManagedChannelBuilder.forAddress("127.0.0.1", trainer.port())
                .usePlaintext()
                .build();
        ModelRegistryGrpc.ModelRegistryBlockingStub registry = ModelRegistryGrpc.newBlockingStub(trainerChannel)
                .withCallCredentials(new BearerCredentials(stack.tokens().operator()));
        List<Map<String, Object>> timeline = new ArrayList<>();
        try {
            // version 1 only has to exist and beat chance; what it is trained on first is the rest's head start
            int first = Math.min(
                    data.train().size() - 1,
                    arguments.getInt("first-round-images", data.train().size() / 2));
            List<List<Sample>> parts = List.of(
                    data.train().subList(0, first),
                    data.train().subList(first, data.train().size()));
            int sentLabeled = 0;
            for (int part = 0; part < parts.size(); part++) {
                out.printf(
                        Locale.ROOT,
                        "%nstreaming %s training images %d-%d into images.labeled%n",
                        data.name(),
                        sentLabeled + 1,
                        sentLabeled + parts.get(part).size());
                KafkaImageSender.send(
                        stack.bootstrapServers(),
                        parts.get(part).stream()
                                .map(s -> new KafkaImageSender.Item(
                                        s.id(), s.png(), "image/png", Integer.toString(s.label())))
                                .toList(),
                        "labeled images");
                sentLabeled += parts.get(part).size();
                int expected = sentLabeled;
                awaitStatus(trainer, s -> s.storedExamples() >= expected, "the trainer to store the images", 600);
                long versionBefore = status(trainer).currentVersion();
                for (int attempt = 1; attempt <= 3; attempt++) {
                    int roundsBefore = status(trainer).roundCount();
                    out.printf(
                            "round %d: %s%n",
                            roundsBefore + 1,
                            registry.triggerRound(TriggerRoundRequest.newBuilder()
                                            .setEpochs(part == 0 ? firstEpochs : epochs)
                                            .build())
                                    .getMessage());
                    TrainerStatus after = awaitStatus(
                            trainer, s -> s.roundCount() > roundsBefore && s.idle(), "the round to finish", 1800);
                    JsonNode round = after.lastRound();
                    out.printf(
                            Locale.ROOT,
                            "  trained %d steps in %.0f s (%.0f images/s), loss %.3f: %s -> %s%n",
                            round.path("trainingSteps").asLong(),
                            round.path("seconds").asDouble(),
                            round.path("imagesPerSecond").asDouble(),
                            round.path("meanLoss").asDouble(),
                            round.path("decision").asText(),
                            round.path("promoted").asBoolean()
                                    ? "promoted version "
                                            + round.path("version").asLong()
                                    : "rejected");
                    if (after.currentVersion() > versionBefore) {
                        long version = after.currentVersion();
                        TrainerStatus rolled = awaitStatus(
                                trainer,
                                s -> s.rolledOut(version, stack.workers().size()) || s.rolloutFailed(),
                                "the rollout",
                                300);
                        out.printf("  rollout of version %d: %s%n", version, rolled.rolloutMessage());
                        Map<String, Object> point = new LinkedHashMap<>();
                        point.put("version", version);
                        point.put("seconds", DemoSummary.round((System.nanoTime() - started) / 1e9));
                        point.put("holdout", json.convertValue(round.path("candidate"), Map.class));
                        point.put("loss", round.path("meanLoss").asDouble());
                        point.put("training_examples", expected);
                        timeline.add(point);
                        break;
                    }
                }
            }
            TrainerStatus beforeTest = status(trainer);
            long servingVersion = beforeTest.currentVersion();
            for (ServiceProcess worker : stack.workers()) {
                worker.awaitReady(Duration.ofSeconds(120));
            }

            out.printf(
                    Locale.ROOT,
                    "%nstreaming %d test images (+%d bad records) through the images topic%n",
                    data.test().size(),
                    BAD_RECORDS);
            TestStream.Observed observed = new TestStream(stack.bootstrapServers()).run(data.test());
            out.printf(
                    Locale.ROOT,
                    "classifying the test split's centre crops over gRPC (ClassifyStream), "
                            + "and %d unary calls for latency%n",
                    CentreClassifier.GRPC_LATENCY_CALLS);
            CentreClassifier classifier =
                    new CentreClassifier(stack.workers().get(0).grpcPort(), out);
            Map<String, ClassifyResponse> centre = classifier.classifyCentre(data.test());
            double[] grpcMillis = classifier.unaryLatencies(data.test());

            Map<String, Object> result = DemoSummary.summarize(
                    data, observed, centre, grpcMillis, beforeTest.json(), timeline, started, servingVersion);
            Path report = Path.of(arguments.get(
                    "report", stack.work().resolve("demo-report.html").toString()));
            DemoReport.write(report, result, data, observed.top1ByImage(), timeline);
            result.put("report", report.toString());
            DemoTable.print(result, out);
            return result;
        } finally {
            trainerChannel.shutdownNow();
        }
    }

    private TrainerStatus status(ServiceProcess trainer) throws Exception {
        return TrainerStatus.fetch(http, trainer);
    }

    private TrainerStatus awaitStatus(
            ServiceProcess trainer, Predicate<TrainerStatus> condition, String what, int seconds) throws Exception {
        return TrainerStatus.await(http, trainer, condition, what, Duration.ofSeconds(seconds), Duration.ofMillis(500));
    }
}

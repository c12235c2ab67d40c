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
    /** The scenarios train on less, so each stays well under ten minutes on two cores. */
    static final int SCENARIO_TRAIN = 16_000;

    static final int SCENARIO_EPOCHS = 2;

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
        boolean scenario = !arguments.get("scenario", "").isEmpty();
        if (scenario && !List.of("regression", "drift").contains(arguments.get("scenario", ""))) {
            throw new IllegalArgumentException(
                    "--scenario is regression or drift, not " + arguments.get("scenario", ""));
        }
        Dataset data = DemoDatasets.load(
                Path.of(arguments.get("data", "/usr/share/datasets/fashion-mnist")),
                arguments.getInt("train", scenario ? SCENARIO_TRAIN : 60_000),
                arguments.getInt("test", 10_000),
                out);
        int epochs = arguments.getInt("epochs-per-round", scenario ? SCENARIO_EPOCHS : 5);
        Map<String, String> trainer = new LinkedHashMap<>(Map.of(
                // rounds are started by this script, after each half of the data
                "alexstream.trainer.min-new-examples", "1000000000",
                "alexstream.trainer.epochs-per-round", Integer.toString(epochs),
                "alexstream.trainer.first-model-margin", "0.2"));
        if (scenario) {
            // the scenarios are about the loop: new versions go to a canary that live labels judge
            trainer.put("alexstream.rollout.canary.enabled", "true");
            trainer.put("alexstream.rollout.canary.min-labelled", "200");
        }
        // the regression scenario also runs the canary in shadow beside the stable workers, to show its agreement
        int shadowWorkers =
                arguments.getInt("shadow-workers", "regression".equals(arguments.get("scenario", "")) ? 1 : 0);
        if (shadowWorkers > 0) {
            trainer.put("alexstream.evaluation.shadow-agreement", "true");
        }
        StackOptions options = StackOptions.fromArguments(arguments, trainer);
        if (scenario) {
            // a drift sends many uncertain images at once; the default cap (5/s per worker) would pass few to review
            options = options.withWorkerProperties(Map.of("alexstream.worker.review.max-per-second", "100"));
        }
        options = options.withShadowWorkers(shadowWorkers);
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
        ServiceProcess trainer = stack.trainer();
        ManagedChannel trainerChannel = ManagedChannelBuilder.forAddress("127.0.0.1", trainer.port())
                .usePlaintext()
                .build();
        try {
            List<Map<String, Object>> timeline = trainTwoVersions(stack, data, trainerChannel, started);
            if (!arguments.get("scenario", "").isEmpty()) {
                return scenario(stack, data, trainerChannel, timeline, started);
            }
            return classifyTestSplit(stack, data, timeline, started);
        } finally {
            trainerChannel.shutdownNow();
        }
    }

    /**
     * Streams the training split into the labeled topic in two parts and has the trainer train a version after each:
     * version 1 comes quickly from the first part; version 2 trains longer on everything. Returns one timeline point
     * per promoted version.
     */
    List<Map<String, Object>> trainTwoVersions(
            LocalStack stack, Dataset data, ManagedChannel trainerChannel, long started) throws Exception {
        int epochs = arguments.getInt(
                "epochs-per-round", arguments.get("scenario", "").isEmpty() ? 5 : SCENARIO_EPOCHS);
        int firstEpochs = arguments.getInt("first-round-epochs", 1);
        ServiceProcess trainer = stack.trainer();
        ModelRegistryGrpc.ModelRegistryBlockingStub registry = ModelRegistryGrpc.newBlockingStub(trainerChannel)
                .withCallCredentials(new BearerCredentials(stack.tokens().operator()));
        List<Map<String, Object>> timeline = new ArrayList<>();
        {
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
                                s -> s.rolledOut(version, stack.workers().size())
                                        || s.canaryServes(version)
                                        || s.rolloutFailed(),
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
        }
        return timeline;
    }

    private Map<String, Object> classifyTestSplit(
            LocalStack stack, Dataset data, List<Map<String, Object>> timeline, long started) throws Exception {
        ServiceProcess trainer = stack.trainer();
        {
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
        }
    }

    private Map<String, Object> scenario(
            LocalStack stack,
            Dataset data,
            ManagedChannel trainerChannel,
            List<Map<String, Object>> timeline,
            long started)
            throws Exception {
        Map<String, Object> result;
        try (ScenarioRun run = new ScenarioRun(stack, data, trainerChannel, out, started)) {
            result = switch (arguments.get("scenario", "")) {
                case "regression" -> new RegressionScenario(run).play();
                case "drift" -> new DriftScenario(run, arguments.getInt("epochs-per-round", SCENARIO_EPOCHS)).play();
                default ->
                    throw new IllegalArgumentException(
                            "--scenario is regression or drift, not " + arguments.get("scenario", ""));
            };
            Path report = Path.of(arguments.get(
                    "report",
                    stack.work()
                            .resolve("demo-" + arguments.get("scenario", "") + ".html")
                            .toString()));
            run.timeline().writeHtml(report, "alexstream demo --scenario " + arguments.get("scenario", ""));
            result.put("report", report.toString());
        }
        result.put("versions_trained", timeline);
        result.put("seconds", DemoSummary.round((System.nanoTime() - started) / 1e9));
        return result;
    }

    private TrainerStatus status(ServiceProcess trainer) throws Exception {
        return TrainerStatus.fetch(http, trainer);
    }

    private TrainerStatus awaitStatus(
            ServiceProcess trainer, Predicate<TrainerStatus> condition, String what, int seconds) throws Exception {
        return TrainerStatus.await(http, trainer, condition, what, Duration.ofSeconds(seconds), Duration.ofMillis(500));
    }
}

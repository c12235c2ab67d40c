package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.bench.Percentiles;
import io.alexstream.engine.data.IdxImages;
import io.alexstream.engine.model.Profiles;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.TriggerRoundRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code demo [--json] [--keep] [--workers 2] [--train 60000] [--test 10000] [--first-round-images 30000] [--first-round-epochs 1] [--epochs-per-round 5]}:
 * starts the stack, streams the Fashion-MNIST training split into the labeled topic in two
 * halves (the trainer trains and rolls out a version after each), streams the test split
 * through the images topic with a few bad records, classifies the test split's centre crops
 * over gRPC, joins the predictions with the true labels, prints the table, writes an HTML
 * report and stops the stack.
 */
final class DemoCommand {

    static final int BAD_RECORDS = 5;
    static final int GRPC_LATENCY_CALLS = 200;

    /** One labeled image of the dataset. */
    record Sample(String id, int label, byte[] png) {
    }

    /** The dataset, with what it is called in the report. */
    record Dataset(String name, List<Sample> train, List<Sample> test) {
    }

    private final Arguments arguments;
    private final PrintStream out;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
        Dataset data = dataset(arguments.getInt("train", 60_000), arguments.getInt("test", 10_000));
        int epochs = arguments.getInt("epochs-per-round", 5);
        Map<String, String> trainer = Map.of(
                // rounds are started by this script, after each half of the data
                "alexstream.trainer.min-new-examples", "1000000000",
                "alexstream.trainer.epochs-per-round", Integer.toString(epochs),
                "alexstream.trainer.first-model-margin", "0.2");
        LocalStack.Options options = UpCommand.options(arguments, trainer);
        Path work = options.work();
        if (LocalStack.running(work).isEmpty()) {
            deleteTree(work.resolve("trainer"));
            deleteTree(work.resolve("kafka"));
            for (int i = 1; i <= options.workers(); i++) {
                deleteTree(work.resolve("worker-" + i));
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
        ManagedChannel trainerChannel = ManagedChannelBuilder.forAddress("127.0.0.1", trainer.port()).usePlaintext().build();
        ModelRegistryGrpc.ModelRegistryBlockingStub registry = ModelRegistryGrpc.newBlockingStub(trainerChannel)
                .withCallCredentials(new BearerCredentials(stack.tokens().operator()));
        List<Map<String, Object>> timeline = new ArrayList<>();
        try {
            // version 1 only has to exist and beat chance; what it is trained on first is the rest's head start
            int first = Math.min(data.train().size() - 1, arguments.getInt("first-round-images", data.train().size() / 2));
            List<List<Sample>> parts = List.of(data.train().subList(0, first), data.train().subList(first, data.train().size()));
            int sentLabeled = 0;
            for (int part = 0; part < parts.size(); part++) {
                out.printf(Locale.ROOT, "%nstreaming %s training images %d-%d into images.labeled%n", data.name(), sentLabeled + 1,
                        sentLabeled + parts.get(part).size());
                SendCommand.send(stack.bootstrapServers(), parts.get(part).stream()
                        .map(s -> new SendCommand.Item(s.id(), s.png(), "image/png", Integer.toString(s.label()))).toList(), "labeled images");
                sentLabeled += parts.get(part).size();
                int expected = sentLabeled;
                awaitStatus(trainer, s -> s.path("examples").path("stored").asInt() >= expected, "the trainer to store the images", 600);
                long versionBefore = status(trainer).path("current_version").asLong();
                for (int attempt = 1; attempt <= 3; attempt++) {
                    int roundsBefore = status(trainer).path("rounds").size();
                    out.printf("round %d: %s%n", roundsBefore + 1, registry.triggerRound(TriggerRoundRequest.newBuilder()
                            .setEpochs(part == 0 ? firstEpochs : epochs).build()).getMessage());
                    JsonNode after = awaitStatus(trainer, s -> s.path("rounds").size() > roundsBefore && "IDLE".equals(s.path("activity").asText()),
                            "the round to finish", 1800);
                    JsonNode round = after.path("rounds").get(after.path("rounds").size() - 1);
                    out.printf(Locale.ROOT, "  trained %d steps in %.0f s (%.0f images/s), loss %.3f: %s -> %s%n",
                            round.path("trainingSteps").asLong(), round.path("seconds").asDouble(), round.path("imagesPerSecond").asDouble(),
                            round.path("meanLoss").asDouble(), round.path("decision").asText(), round.path("promoted").asBoolean()
                                    ? "promoted version " + round.path("version").asLong() : "rejected");
                    if (after.path("current_version").asLong() > versionBefore) {
                        long version = after.path("current_version").asLong();
                        JsonNode rolled = awaitStatus(trainer, s -> allWorkersServe(s, version, stack.workers().size())
                                || "FAILED".equals(s.path("rollout_state").asText()), "the rollout", 300);
                        out.printf("  rollout of version %d: %s%n", version, rolled.path("rollout_message").asText());
                        Map<String, Object> point = new LinkedHashMap<>();
                        point.put("version", version);
                        point.put("seconds", round((System.nanoTime() - started) / 1e9));
                        point.put("holdout", json.convertValue(round.path("candidate"), Map.class));
                        point.put("loss", round.path("meanLoss").asDouble());
                        point.put("training_examples", expected);
                        timeline.add(point);
                        break;
                    }
                }
            }
            JsonNode beforeTest = status(trainer);
            long servingVersion = beforeTest.path("current_version").asLong();
            for (ServiceProcess worker : stack.workers()) {
                worker.awaitReady(Duration.ofSeconds(120));
            }

            out.printf(Locale.ROOT, "%nstreaming %d test images (+%d bad records) through the images topic%n", data.test().size(), BAD_RECORDS);
            Observed observed = streamTest(stack, data.test());
            out.printf(Locale.ROOT, "classifying the test split's centre crops over gRPC (ClassifyStream), and %d unary calls for latency%n",
                    GRPC_LATENCY_CALLS);
            Map<String, ClassifyResponse> centre = classifyCentre(stack.workers().get(0).grpcPort(), data.test());
            double[] grpcMillis = unaryLatencies(stack.workers().get(0).grpcPort(), data.test());

            Map<String, Object> result = summarize(data, observed, centre, grpcMillis, beforeTest, timeline, started, servingVersion);
            Path report = Path.of(arguments.get("report", stack.work().resolve("demo-report.html").toString()));
            DemoReport.write(report, result, data, observed.top1ByImage(), timeline);
            result.put("report", report.toString());
            printTable(result);
            return result;
        } finally {
            trainerChannel.shutdownNow();
        }
    }

    private static boolean allWorkersServe(JsonNode status, long version, int workers) {
        int serving = 0;
        for (JsonNode worker : status.path("workers")) {
            if (worker.path("servingVersion").asLong() == version) {
                serving++;
            }
        }
        return serving >= workers && "DONE".equals(status.path("rollout_state").asText());
    }

    /** What came back on the predictions and dead-letter topics. */
    record Observed(Map<String, Integer> answers, Map<String, JsonNode> predictions, Map<String, String> deadLetters,
                    Map<String, Double> latencyMillis, double seconds, int sent, Map<String, Integer> top1ByImage) {
    }

    private Observed streamTest(LocalStack stack, List<Sample> test) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Integer> answers = new HashMap<>();
        Map<String, JsonNode> predictions = new HashMap<>();
        Map<String, String> deadLetters = new HashMap<>();
        Map<String, Double> latency = new HashMap<>();
        Map<String, Integer> top1 = new HashMap<>();
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        List<String> badIds = new ArrayList<>();
        long t0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(Topics.PREDICTIONS, Topics.DEAD_LETTERS));
            consumer.poll(Duration.ofMillis(200));
            t0 = System.nanoTime();
            Progress progress = new Progress(System.err, "test images", test.size());
            int sent = 0;
            for (Sample sample : test) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, sample.id(), sample.png());
                record.headers().add(Headers.IMAGE_ID, sample.id().getBytes(StandardCharsets.UTF_8));
                record.headers().add(Headers.CONTENT_TYPE, "image/png".getBytes(StandardCharsets.UTF_8));
                sentAt.put(sample.id(), System.nanoTime());
                producer.send(record);
                if (++sent % 500 == 0) {
                    progress.update(sent);
                    drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
                }
            }
            progress.update(sent);
            byte[][] bad = badRecords(test.get(0).png());
            for (int i = 0; i < bad.length; i++) {
                String id = "bad-" + i;
                badIds.add(id);
                producer.send(new ProducerRecord<>(Topics.IMAGES, id, bad[i]));
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            Progress answered = new Progress(System.err, Topics.PREDICTIONS, test.size());
            while (System.nanoTime() < deadline) {
                drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
                answered.update(Math.min(test.size(), countAnswered(answers, test)));
                if (countAnswered(answers, test) == test.size() && deadLetters.keySet().containsAll(badIds)) {
                    break;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // a moment more, to see duplicates if any were coming
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                drain(consumer, sentAt, answers, predictions, deadLetters, latency, top1);
            }
            return new Observed(answers, predictions, deadLetters, latency, seconds, test.size(), top1);
        }
    }

    private static int countAnswered(Map<String, Integer> answers, List<Sample> test) {
        int n = 0;
        for (Sample s : test) {
            if (answers.containsKey(s.id())) {
                n++;
            }
        }
        return n;
    }

    private void drain(KafkaConsumer<String, String> consumer, Map<String, Long> sentAt, Map<String, Integer> answers,
                       Map<String, JsonNode> predictions, Map<String, String> deadLetters, Map<String, Double> latency,
                       Map<String, Integer> top1) throws IOException {
        long now = System.nanoTime();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            if (record.topic().equals(Topics.DEAD_LETTERS)) {
                var reason = record.headers().lastHeader(Headers.DEAD_LETTER_REASON);
                deadLetters.put(record.key(), reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8));
                continue;
            }
            answers.merge(record.key(), 1, Integer::sum);
            if (answers.get(record.key()) == 1) {
                JsonNode prediction = json.readTree(record.value());
                predictions.put(record.key(), prediction);
                top1.put(record.key(), prediction.path("top").get(0).path("index").asInt());
                Long sent = sentAt.get(record.key());
                if (sent != null) {
                    latency.put(record.key(), (now - sent) / 1e6);
                }
            }
        }
    }

    /** Empty, text, a truncated PNG, a PNG declaring 40,000 x 40,000, a GIF declaring 65,535 x 65,535. */
    static byte[][] badRecords(byte[] goodPng) {
        byte[] hugePng = Arrays.copyOf(goodPng, Math.min(goodPng.length, 33));
        writeInt(hugePng, 16, 40_000);
        writeInt(hugePng, 20, 40_000);
        byte[] gif = new byte[] {'G', 'I', 'F', '8', '9', 'a', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0};
        return new byte[][] {new byte[0], "this is not an image".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(goodPng, goodPng.length / 2), hugePng, gif};
    }

    private static void writeInt(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }

    private Map<String, ClassifyResponse> classifyCentre(int port, List<Sample> test) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Map<String, ClassifyResponse> answers = new ConcurrentHashMap<>();
        try {
            CountDownLatch done = new CountDownLatch(1);
            StreamObserver<ClassifyRequest> requests = ClassifierGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES)
                    .classifyStream(new StreamObserver<>() {
                        @Override
                        public void onNext(ClassifyResponse value) {
                            answers.put(value.getImageId(), value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            out.println("gRPC stream failed: " + t);
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
            int sent = 0;
            for (Sample sample : test) {
                requests.onNext(ClassifyRequest.newBuilder().setImageId(sample.id()).setImage(ByteString.copyFrom(sample.png()))
                        .setCropMode(CropMode.CENTER).setTopK(5).build());
                sent++;
                // keep the worker's queue well below its capacity
                while (sent - answers.size() > 128) {
                    Thread.sleep(2);
                }
            }
            requests.onCompleted();
            done.await(10, TimeUnit.MINUTES);
        } finally {
            channel.shutdownNow();
        }
        return answers;
    }

    private double[] unaryLatencies(int port, List<Sample> test) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            double[] millis = new double[Math.min(GRPC_LATENCY_CALLS, test.size())];
            for (int i = 0; i < millis.length; i++) {
                long t0 = System.nanoTime();
                classifier.withDeadlineAfter(30, TimeUnit.SECONDS).classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(test.get(i).png())).build());
                millis[i] = (System.nanoTime() - t0) / 1e6;
            }
            return millis;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private Map<String, Object> summarize(Dataset data, Observed observed, Map<String, ClassifyResponse> centre, double[] grpcMillis,
                                          JsonNode status, List<Map<String, Object>> timeline, long started, long servingVersion) {
        Map<String, Integer> labels = new HashMap<>();
        data.test().forEach(s -> labels.put(s.id(), s.label()));
        // per served version: test top-1 / top-5 (10-crop, Kafka path)
        Map<Long, int[]> byVersion = new java.util.TreeMap<>();
        int[][] confusion = new int[10][10];
        for (Map.Entry<String, JsonNode> entry : observed.predictions().entrySet()) {
            Integer label = labels.get(entry.getKey());
            if (label == null) {
                continue;
            }
            JsonNode p = entry.getValue();
            int[] counts = byVersion.computeIfAbsent(p.path("model_version").asLong(), v -> new int[3]);
            counts[0]++;
            int predicted = p.path("top").get(0).path("index").asInt();
            if (predicted == label) {
                counts[1]++;
            }
            for (JsonNode score : p.path("top")) {
                if (score.path("index").asInt() == label) {
                    counts[2]++;
                    break;
                }
            }
            if (label < 10 && predicted < 10) {
                confusion[label][predicted]++;
            }
        }
        int centreRight = 0;
        int centreTop5 = 0;
        for (Map.Entry<String, ClassifyResponse> entry : centre.entrySet()) {
            Integer label = labels.get(entry.getKey());
            if (label == null || !entry.getValue().hasPrediction()) {
                continue;
            }
            var top = entry.getValue().getPrediction().getTopList();
            if (top.get(0).getIndex() == label) {
                centreRight++;
            }
            if (top.stream().anyMatch(s -> s.getIndex() == label)) {
                centreTop5++;
            }
        }
        long answered = data.test().stream().filter(s -> observed.answers().containsKey(s.id())).count();
        long duplicates = observed.answers().values().stream().mapToLong(n -> Math.max(0, n - 1)).sum();
        double[] kafkaLatency = observed.latencyMillis().values().stream().mapToDouble(Double::doubleValue).toArray();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dataset", data.name());
        result.put("seconds", round((System.nanoTime() - started) / 1e9));
        result.put("sent", observed.sent());
        result.put("answered", answered);
        result.put("lost", observed.sent() - answered);
        result.put("duplicates", duplicates);
        result.put("dead_lettered", observed.deadLetters().size());
        result.put("dead_letter_reasons", new java.util.TreeMap<>(observed.deadLetters()));
        result.put("versions", timeline.size());
        result.put("serving_version", servingVersion);
        int[] last = byVersion.getOrDefault(servingVersion, new int[3]);
        result.put("top1", last[0] == 0 ? 0 : round4((double) last[1] / last[0]));
        result.put("top5", last[0] == 0 ? 0 : round4((double) last[2] / last[0]));
        result.put("top1_center", centre.isEmpty() ? 0 : round4((double) centreRight / centre.size()));
        result.put("top5_center", centre.isEmpty() ? 0 : round4((double) centreTop5 / centre.size()));
        result.put("kafka_images_per_s", round(observed.sent() / observed.seconds()));
        result.put("kafka_latency_p50_ms", round(Percentiles.of(kafkaLatency, 0.5)));
        result.put("kafka_latency_p99_ms", round(Percentiles.of(kafkaLatency, 0.99)));
        result.put("grpc_p50_ms", round(Percentiles.of(grpcMillis, 0.5)));
        result.put("grpc_p99_ms", round(Percentiles.of(grpcMillis, 0.99)));
        List<Map<String, Object>> versions = new ArrayList<>();
        for (Map<String, Object> point : timeline) {
            Map<String, Object> row = new LinkedHashMap<>(point);
            long version = ((Number) point.get("version")).longValue();
            int[] counts = byVersion.get(version);
            if (counts != null && counts[0] > 0) {
                row.put("test_images", counts[0]);
                row.put("test_top1", round4((double) counts[1] / counts[0]));
                row.put("test_top5", round4((double) counts[2] / counts[0]));
            }
            versions.add(row);
        }
        result.put("per_version", versions);
        result.put("confusion", confusion);
        result.put("class_names", Profiles.small().classNames());
        return result;
    }

    private void printTable(Map<String, Object> r) {
        out.println();
        out.printf(Locale.ROOT, "%-8s %-9s %-9s %-9s %-9s %-9s %-9s %-9s%n", "version", "at (s)", "hold-t1", "hold-t5",
                "hold-t1c", "test-t1", "test-t5", "test-t1c");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> versions = (List<Map<String, Object>>) r.get("per_version");
        for (Map<String, Object> v : versions) {
            @SuppressWarnings("unchecked")
            Map<String, Object> holdout = (Map<String, Object>) v.get("holdout");
            boolean serving = v.get("version").equals(r.get("serving_version"));
            out.printf(Locale.ROOT, "%-8s %-9s %-9s %-9s %-9s %-9s %-9s %-9s%n", v.get("version"), v.get("seconds"),
                    fmt(holdout.get("top1")), fmt(holdout.get("top5")), fmt(holdout.get("top1_center")),
                    fmt(v.get("test_top1")), fmt(v.get("test_top5")), serving ? fmt(r.get("top1_center")) : "-");
        }
        out.printf(Locale.ROOT, "dataset %s: sent %s, answered %s, lost %s, duplicated %s, dead-lettered %s %s%n", r.get("dataset"),
                r.get("sent"), r.get("answered"), r.get("lost"), r.get("duplicates"), r.get("dead_lettered"), r.get("dead_letter_reasons"));
        out.printf(Locale.ROOT, "Kafka path: %s images/s, latency p50 %s ms, p99 %s ms; gRPC unary: p50 %s ms, p99 %s ms%n",
                r.get("kafka_images_per_s"), r.get("kafka_latency_p50_ms"), r.get("kafka_latency_p99_ms"), r.get("grpc_p50_ms"),
                r.get("grpc_p99_ms"));
        out.printf(Locale.ROOT, "last version %s on the %s test images: top-1 %s, top-5 %s (10 crops), top-1 %s (centre crop); %s s in all%n",
                r.get("serving_version"), r.get("sent"), r.get("top1"), r.get("top5"), r.get("top1_center"), r.get("seconds"));
        out.println("report: " + r.get("report"));
    }

    private static String fmt(Object value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.4f", ((Number) value).doubleValue());
    }

    private JsonNode status(ServiceProcess trainer) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode awaitStatus(ServiceProcess trainer, Predicate<JsonNode> condition, String what, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = status(trainer);
            if (condition.test(last)) {
                return last;
            }
            if (!trainer.isAlive()) {
                throw new IllegalStateException("the trainer stopped while waiting for " + what + ":\n" + trainer.logTail());
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("waited " + seconds + " s for " + what + "; trainer status " + last);
    }

    /** Fashion-MNIST from Debian's package, or a generated stand-in (labelled as such) when it is absent. */
    private Dataset dataset(int trainCount, int testCount) throws IOException {
        Path dir = Path.of(arguments.get("data", "/usr/share/datasets/fashion-mnist"));
        if (Files.isDirectory(dir)) {
            out.printf("dataset: Fashion-MNIST from %s%n", dir);
            return new Dataset("fashion-mnist", samples("train", IdxImages.fashionMnist(dir, true, trainCount)),
                    samples("test", IdxImages.fashionMnist(dir, false, testCount)));
        }
        out.printf("dataset: %s not found (sudo apt-get install dataset-fashion-mnist); using a GENERATED dataset of 10 shape classes instead%n", dir);
        return new Dataset("generated", generated("train", trainCount, 1), generated("test", testCount, 2));
    }

    private static List<Sample> samples(String prefix, List<IdxImages.LabeledImage> images) {
        List<Sample> samples = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            samples.add(null);
        }
        java.util.stream.IntStream.range(0, images.size()).parallel().forEach(i ->
                samples.set(i, new Sample(prefix + "-" + i, images.get(i).label(), Images.png(images.get(i).image()))));
        return samples;
    }

    /** 28 x 28 grayscale: class k is a bar at angle k x 18 degrees, with random position, thickness and noise. */
    static List<Sample> generated(String prefix, int count, long seed) {
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            byte[] gray = new byte[28 * 28];
            double angle = Math.toRadians(label * 18);
            double cx = 14 + random.nextGaussian() * 2;
            double cy = 14 + random.nextGaussian() * 2;
            double thickness = 1.5 + random.nextDouble() * 1.5;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double along = (x - cx) * Math.cos(angle) + (y - cy) * Math.sin(angle);
                    double across = -(x - cx) * Math.sin(angle) + (y - cy) * Math.cos(angle);
                    double value = Math.abs(across) < thickness && Math.abs(along) < 10 ? 220 : 20;
                    value += random.nextGaussian() * 20;
                    gray[y * 28 + x] = (byte) Math.max(0, Math.min(255, (int) value));
                }
            }
            samples.add(new Sample(prefix + "-" + i, label,
                    Images.png(io.alexstream.engine.image.RgbImage.fromGray(28, 28, gray))));
        }
        return samples;
    }

    /** Deletes a file or a directory with everything in it; nothing when it does not exist (also `bench`'s clean-up). */
    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}

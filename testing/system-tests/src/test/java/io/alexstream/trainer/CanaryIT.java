package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerTokens;
import io.alexstream.cli.PromoteCommand;
import io.alexstream.cli.RegressionScenario;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.RolloutStatus;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.metrics.PrometheusText;
import io.alexstream.testing.weights.SeedWeights;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: system, a canary rollout on the live figures with every part real and separate: a KRaft broker, the packaged
 * trainer (canaries on, its live evaluator reading {@code predictions} and {@code labels}) and two packaged workers,
 * both serving version 2 (untrained, parent 1) at the start. A release manager force-promotes version 2 with its
 * class outputs rotated by one: it becomes version 3 on the canary worker only. Images go through Kafka, and each
 * answer is labelled with what version 2 answers (version 3 answers k + 1 where version 2 answers k), so version 2 is
 * always right and version 3 always wrong: the trainer rolls version 3 back by itself, and every worker serves
 * version 2 again. Then an unchanged copy of version 2 is force-promoted as version 4: labelled the same way it is as
 * good as version 2, and once it has its labelled answers it goes to every worker and is counted as a canary
 * promotion. All the while a client calls Classify on both workers, and no call fails.
 */
class CanaryIT {

    private static final Logger LOG = Logger.getLogger(CanaryIT.class);
    static final int CANARY_MIN_LABELLED = 30;
    static final int ROLLBACK_MIN_LABELLED = 20;
    /** Images in flight at most: sent and not yet answered. */
    static final int IN_FLIGHT = 12;

    static final Duration PATIENCE = Duration.ofMinutes(3);
    static final int CLASSES = Profiles.small().numClasses();

    @TempDir
    Path dir;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ObjectMapper json = new ObjectMapper();
    final String workerToken = BearerTokens.generate();
    final String operatorToken = BearerTokens.generate();
    final String releaseManagerToken = BearerTokens.generate();

    @Test
    void aWorseCanaryIsRolledBackAndAnEqualOneGoesToEveryWorker() throws Exception {
        Path trainerJar = Path.of(System.getProperty("trainer.app", "target/apps/trainer/quarkus-run.jar"));
        Path workerJar = Path.of(System.getProperty("worker.app", "target/apps/worker/quarkus-run.jar"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            // labels, predictions and review copies are joined by image id: as many partitions each
            kafka.createTopics(Map.of(
                    Topics.IMAGES, 2,
                    Topics.PREDICTIONS, 2,
                    Topics.LABELS, 2,
                    Topics.REVIEW, 2,
                    Topics.EVALUATIONS, 1,
                    Topics.LABELED, 1,
                    Topics.DEAD_LETTERS, 1,
                    Topics.LABELED_DEAD_LETTERS, 1));
            Path trainerData = dir.resolve("trainer");
            seedVersions(trainerData);
            int trainerPort = ServiceProcess.freePort();
            List<ServiceProcess> processes = new ArrayList<>();
            try {
                ServiceProcess trainer = startTrainer(trainerJar, kafka, trainerData, trainerPort);
                processes.add(trainer);
                List<ServiceProcess> workers = List.of(
                        startWorker(workerJar, kafka, "worker-a", trainerPort),
                        startWorker(workerJar, kafka, "worker-b", trainerPort));
                processes.addAll(workers);
                trainer.awaitReady(Duration.ofSeconds(180));
                for (ServiceProcess worker : workers) {
                    worker.awaitReady(Duration.ofSeconds(180));
                }
                awaitStatus(
                        trainer,
                        s -> servingVersions(s).equals(Map.of("worker-a", 2L, "worker-b", 2L)),
                        "both workers registered and serving version 2");

                ClassifyCaller caller = new ClassifyCaller(workers);
                caller.start();
                ManagedChannel registry = ManagedChannelBuilder.forAddress("127.0.0.1", trainerPort)
                        .usePlaintext()
                        .build();
                try (Traffic traffic = new Traffic(kafka)) {
                    badCanaryIsRolledBack(trainer, registry, traffic, trainerData);
                    goodCanaryGoesToEveryWorker(trainer, registry, traffic, trainerData);
                    caller.awaitLastAnswers(4, Duration.ofSeconds(30));
                    caller.stop();
                    LOG.infof(
                            "answers by version %s; %d Classify calls, failures %s",
                            traffic.answersByVersion, caller.calls.get(), caller.failures);
                    assertThat(traffic.unexpected)
                            .as("answers by a version other than 2, 3 and 4")
                            .isEmpty();
                } finally {
                    caller.stop();
                    registry.shutdownNow();
                }
                assertThat(caller.calls.get())
                        .as("Classify calls during both canaries")
                        .isGreaterThan(20);
                assertThat(caller.failures).as("failed Classify calls").isEmpty();
                // the canaries ran on worker-a only: worker-b never answered with either
                assertThat(caller.versionsSeen)
                        .as("the versions each worker answered Classify with")
                        .isEqualTo(Map.of("worker-a", Set.of(2L, 3L, 4L), "worker-b", Set.of(2L, 4L)));
                assertThat(caller.lastVersion)
                        .as("the version each worker answered Classify with last")
                        .isEqualTo(Map.of("worker-a", 4L, "worker-b", 4L));
            } finally {
                for (ServiceProcess process : processes) {
                    process.close();
                }
            }
        }
    }

    private void badCanaryIsRolledBack(ServiceProcess trainer, ManagedChannel registry, Traffic traffic, Path data)
            throws Exception {
        byte[] rotated = rotatedClasses(Files.readAllBytes(versionFile(data, 2)));
        RolloutStatus promoted = forcePromote(registry, rotated, "CanaryIT: version 2 with its classes rotated by one");
        assertThat(promoted.getCurrentVersion()).isEqualTo(3);
        assertThat(promoted.getCanaryVersion()).isEqualTo(3);
        assertThat(promoted.getStableVersion()).isEqualTo(2);
        assertCanary(status(trainer), 3);

        JsonNode rolledBack = traffic.driveUntil(
                trainer, s -> rollbackOf(s, 3) != null, "version 3 rolled back by the trainer itself");
        JsonNode record = rollbackOf(rolledBack, 3);
        LOG.infof("rolled back: %s", record);
        assertThat(record.path("rolledBackTo").asLong()).as(record.toString()).isEqualTo(2);
        assertThat(record.path("servingLabelled").asLong())
                .as(record.toString())
                .isGreaterThanOrEqualTo(20);
        assertThat(record.path("servingTop1").asDouble()).as(record.toString()).isEqualTo(0.0);
        assertThat(record.path("previousLabelled").asLong())
                .as(record.toString())
                .isGreaterThanOrEqualTo(20);
        assertThat(record.path("previousTop1").asDouble()).as(record.toString()).isEqualTo(1.0);
        assertThat(traffic.answersByVersion.getOrDefault(3L, 0))
                .as("answers by the canary version 3")
                .isGreaterThanOrEqualTo(ROLLBACK_MIN_LABELLED);

        JsonNode after = awaitStatus(
                trainer,
                s -> s.path("current_version").asLong() == 2
                        && "DONE".equals(s.path("rollout_state").asText())
                        && servingVersions(s).equals(Map.of("worker-a", 2L, "worker-b", 2L)),
                "every worker back on version 2");
        assertThat(after.path("canary").isNull())
                .as("no canary: %s", after.path("canary"))
                .isTrue();
        assertThat(after.path("auto_rollbacks").size()).isEqualTo(1);
        assertThat(after.path("live").path("2").path("top1").asDouble()).isEqualTo(1.0);
        assertThat(after.path("live").path("3").path("top1").asDouble()).isEqualTo(0.0);
    }

    private void goodCanaryGoesToEveryWorker(
            ServiceProcess trainer, ManagedChannel registry, Traffic traffic, Path data) throws Exception {
        RolloutStatus promoted = forcePromote(
                registry, Files.readAllBytes(versionFile(data, 2)), "CanaryIT: version 2 again, unchanged");
        assertThat(promoted.getCurrentVersion()).isEqualTo(4);
        assertThat(promoted.getCanaryVersion()).isEqualTo(4);
        assertThat(promoted.getStableVersion()).isEqualTo(2);
        assertCanary(status(trainer), 4);

        JsonNode done = traffic.driveUntil(
                trainer,
                s -> {
                    boolean promotedEverywhere = s.path("current_version").asLong() == 4
                            && s.path("canary").isNull();
                    if (promotedEverywhere) {
                        // the live figures the status shows are never behind what the trainer judged on
                        assertThat(s.path("live").path("4").path("labelled").asLong())
                                .as("labelled answers of version 4 once it went to every worker")
                                .isGreaterThanOrEqualTo(CANARY_MIN_LABELLED);
                    }
                    return promotedEverywhere;
                },
                "version 4 promoted to every worker");
        LOG.infof("canary promoted: %s", done.path("rollout_message").asText());
        JsonNode after = awaitStatus(
                trainer,
                s -> "DONE".equals(s.path("rollout_state").asText())
                        && servingVersions(s).equals(Map.of("worker-a", 4L, "worker-b", 4L)),
                "every worker on version 4");
        assertThat(after.path("current_version").asLong()).isEqualTo(4);
        assertThat(after.path("canary").isNull()).isTrue();
        assertThat(after.path("auto_rollbacks").size())
                .as("automatic rollbacks: only version 3's")
                .isEqualTo(1);
        assertThat(after.path("live").path("4").path("top1").asDouble()).isEqualTo(1.0);
        String metrics = http.send(
                        HttpRequest.newBuilder(trainer.uri("/q/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(PrometheusText.value(metrics, "alexstream_trainer_canary_promotions_total"))
                .as("canary promotions")
                .isEqualTo(1.0);
        assertThat(PrometheusText.value(metrics, "alexstream_trainer_auto_rollbacks_total"))
                .as("automatic rollbacks")
                .isEqualTo(1.0);
    }

    /** The status right after a force-promote: {@code version} on the first worker only, the other on version 2. */
    private static void assertCanary(JsonNode status, long version) {
        assertThat(status.path("current_version").asLong()).isEqualTo(version);
        assertThat(status.path("rollout_state").asText())
                .as(status.path("rollout_message").asText())
                .isEqualTo("CANARY");
        JsonNode canary = status.path("canary");
        assertThat(canary.path("version").asLong()).as(canary.toString()).isEqualTo(version);
        assertThat(canary.path("stable").asLong()).as(canary.toString()).isEqualTo(2);
        List<String> canaryWorkers = new ArrayList<>();
        canary.path("workers").forEach(w -> canaryWorkers.add(w.asText()));
        assertThat(canaryWorkers).as(canary.toString()).containsExactly("worker-a");
        assertThat(servingVersions(status)).isEqualTo(Map.of("worker-a", version, "worker-b", 2L));
    }

    /** Each registered worker's served version, as the trainer's status has it. */
    static Map<String, Long> servingVersions(JsonNode status) {
        Map<String, Long> serving = new LinkedHashMap<>();
        status.path("workers")
                .forEach(w -> serving.put(
                        w.path("id").asText(), w.path("servingVersion").asLong()));
        return serving;
    }

    static JsonNode rollbackOf(JsonNode status, long version) {
        for (JsonNode record : status.path("auto_rollbacks")) {
            if (record.path("version").asLong() == version) {
                return record;
            }
        }
        return null;
    }

    /**
     * Images into topic {@code images}; their predictions read back and each labelled on topic {@code labels} with
     * the class version 2 gives it: an answer k of version 2 or of its unchanged copy 4 is labelled k, an answer k of
     * the rotated version 3 is labelled k - 1, what version 2 answers for that image. An answer of version 3 still in
     * flight after its rollback is labelled the same way.
     */
    private final class Traffic implements AutoCloseable {

        private final KafkaProducer<String, byte[]> producer;
        private final KafkaConsumer<String, String> predictions;
        final Map<Long, Integer> answersByVersion = new ConcurrentHashMap<>();
        final List<String> unexpected = new ArrayList<>();
        int sent;
        int answered;

        Traffic(EmbeddedKafka kafka) {
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "canary-it-observer");
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            predictions = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
            predictions.subscribe(List.of(Topics.PREDICTIONS));
        }

        /** Keeps images flowing and labelling their answers until the trainer's status satisfies {@code done}. */
        JsonNode driveUntil(ServiceProcess trainer, Predicate<JsonNode> done, String what) throws Exception {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            JsonNode last = null;
            while (System.nanoTime() < deadline) {
                while (sent - answered < IN_FLIGHT) {
                    String id = "img-" + sent;
                    ProducerRecord<String, byte[]> image =
                            new ProducerRecord<>(Topics.IMAGES, id, EncodedImages.noisePng(48, 48, sent));
                    image.headers().add(Headers.IMAGE_ID, id.getBytes(StandardCharsets.UTF_8));
                    producer.send(image);
                    sent++;
                }
                producer.flush();
                for (ConsumerRecord<String, String> prediction : predictions.poll(Duration.ofMillis(500))) {
                    label(prediction);
                }
                producer.flush();
                last = status(trainer);
                if (done.test(last)) {
                    return last;
                }
                assertThat(trainer.isAlive()).as("trainer alive").isTrue();
            }
            throw new AssertionError("waited " + PATIENCE + " for " + what + "; " + sent + " images sent, "
                    + answered + " answered, by version " + answersByVersion + "; last status " + last + "\n"
                    + trainer.logTail());
        }

        private void label(ConsumerRecord<String, String> record) throws Exception {
            answered++;
            JsonNode prediction = json.readTree(record.value());
            long version = prediction.path("model_version").asLong();
            int top = prediction.path("top").path(0).path("index").asInt(-1);
            answersByVersion.merge(version, 1, Integer::sum);
            assertThat(top).as(record.value()).isBetween(0, CLASSES - 1);
            int label;
            if (version == 2 || version == 4) {
                label = top;
            } else if (version == 3) {
                // version 3 is version 2 rotated: version 2 answers one class lower
                label = (top - 1 + CLASSES) % CLASSES;
            } else {
                unexpected.add(record.key() + " answered by version " + version);
                return;
            }
            ProducerRecord<String, byte[]> labelled = new ProducerRecord<>(Topics.LABELS, record.key(), new byte[0]);
            labelled.headers().add(Headers.IMAGE_ID, record.key().getBytes(StandardCharsets.UTF_8));
            labelled.headers().add(Headers.LABEL, Integer.toString(label).getBytes(StandardCharsets.UTF_8));
            producer.send(labelled);
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
            predictions.close(Duration.ofSeconds(5));
        }
    }

    /** Calls Classify on every worker in turn until stopped, counting the calls that fail. */
    private static final class ClassifyCaller {

        private final List<ServiceProcess> workers;
        private final List<ManagedChannel> channels = new ArrayList<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final Thread thread;
        final AtomicInteger calls = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Map<String, Long> lastVersion = new ConcurrentHashMap<>();
        final Map<String, Set<Long>> versionsSeen = new ConcurrentHashMap<>();

        ClassifyCaller(List<ServiceProcess> workers) {
            this.workers = workers;
            for (ServiceProcess worker : workers) {
                channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", worker.grpcPort())
                        .usePlaintext()
                        .build());
            }
            this.thread = new Thread(this::run, "classify-caller");
        }

        void start() {
            thread.start();
        }

        private void run() {
            byte[] probe = EncodedImages.noisePng(48, 48, -1);
            while (!stopped.get()) {
                for (int w = 0; w < channels.size(); w++) {
                    try {
                        long version = ClassifierGrpc.newBlockingStub(channels.get(w))
                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                .classify(ClassifyRequest.newBuilder()
                                        .setImage(ByteString.copyFrom(probe))
                                        .setCropMode(CropMode.CENTER)
                                        .build())
                                .getPrediction()
                                .getModelVersion();
                        lastVersion.put(workers.get(w).name(), version);
                        versionsSeen
                                .computeIfAbsent(workers.get(w).name(), k -> ConcurrentHashMap.newKeySet())
                                .add(version);
                    } catch (StatusRuntimeException e) {
                        failures.add(workers.get(w).name() + ": " + e.getStatus());
                    }
                    calls.incrementAndGet();
                }
                try {
                    // a steady caller, not a load test: the workers' cores are for the Kafka images
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Waits (at most {@code timeout}) until each worker's latest answer came from {@code version}. */
        void awaitLastAnswers(long version, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline
                    && !workers.stream().allMatch(w -> Long.valueOf(version).equals(lastVersion.get(w.name())))) {
                Thread.sleep(100);
            }
        }

        void stop() throws InterruptedException {
            if (stopped.compareAndSet(false, true)) {
                thread.join();
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    /** A release manager's force-promote, over gRPC with the role's token; the trainer's answer once rolled out. */
    private RolloutStatus forcePromote(ManagedChannel channel, byte[] artifact, String reason) throws Exception {
        return PromoteCommand.forcePromote(channel, releaseManagerToken, artifact, reason);
    }

    /** The artifact with fc8's outputs rotated by one class: the demo's bad version, metadata kept. */
    static byte[] rotatedClasses(byte[] artifact) throws Exception {
        return WeightsCodec.toBytes(RegressionScenario.rotatedClasses(WeightsCodec.read(artifact)));
    }

    /** Versions 1 and 2 (parent 1) in the trainer's store, version 2 current and no canary. */
    private static void seedVersions(Path trainerData) throws Exception {
        Path versions = Files.createDirectories(trainerData.resolve("versions"));
        SeedWeights.write(
                SeedWeights.small(11, 60f, SeedWeights.version(1, null, Map.of())), versionFile(trainerData, 1));
        SeedWeights.write(
                SeedWeights.small(12, 60f, SeedWeights.version(2, 1L, Map.of())), versionFile(trainerData, 2));
        Files.writeString(versions.resolve("current"), "2");
    }

    private static Path versionFile(Path trainerData, long version) {
        return trainerData.resolve("versions").resolve(String.format("v%06d.alxw", version));
    }

    private ServiceProcess startTrainer(Path jar, EmbeddedKafka kafka, Path data, int port) throws Exception {
        return ServiceProcess.quarkusApp("trainer", jar)
                .jvmOption("-Xmx1g")
                .port(port)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.trainer.data-dir", data)
                .property("alexstream.rollout.canary.enabled", true)
                .property("alexstream.rollout.canary.min-labelled", CANARY_MIN_LABELLED)
                .property("alexstream.rollback.auto.min-labelled", ROLLBACK_MIN_LABELLED)
                .environment("ALEXSTREAM_AUTH_WORKER_TOKEN", workerToken)
                .environment("ALEXSTREAM_AUTH_OPERATOR_TOKEN", operatorToken)
                .environment("ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN", releaseManagerToken)
                .log(dir.resolve("trainer.log"))
                .start();
    }

    private ServiceProcess startWorker(Path jar, EmbeddedKafka kafka, String id, int trainerPort) throws Exception {
        return ServiceProcess.quarkusApp(id, jar)
                .jvmOption("-Xmx1g")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.id", id)
                .property("alexstream.worker.state-dir", dir.resolve(id))
                .property("alexstream.worker.trainer-address", "127.0.0.1:" + trainerPort)
                // started beside the trainer: wait for it rather than start with nothing
                .property("alexstream.worker.trainer-sync-seconds", 180)
                .property("alexstream.worker.trainer-heartbeat-seconds", 5)
                .property("alexstream.worker.intra-op-threads", 2)
                // the answers' labels only evaluate: no review copies turned into training examples
                .property("alexstream.worker.review.enabled", false)
                .environment("ALEXSTREAM_AUTH_WORKER_TOKEN", workerToken)
                .log(dir.resolve(id + ".log"))
                .start();
    }

    private JsonNode status(ServiceProcess trainer) throws Exception {
        return json.readTree(http.send(
                        HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    private JsonNode awaitStatus(ServiceProcess trainer, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = status(trainer);
            if (condition.test(last)) {
                return last;
            }
            assertThat(trainer.isAlive()).as("trainer alive").isTrue();
            Thread.sleep(250);
        }
        throw new AssertionError(
                "waited " + PATIENCE + " for " + what + "; last status " + last + "\n" + trainer.logTail());
    }
}

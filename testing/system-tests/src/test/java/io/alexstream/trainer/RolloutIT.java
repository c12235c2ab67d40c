package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.alexstream.auth.LocalCertificates;
import io.alexstream.auth.TlsChannels;
import io.alexstream.engine.data.IdxImages;
import io.alexstream.engine.model.Profiles;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.TriggerRoundRequest;
import io.alexstream.testing.weights.SeedWeights;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, the model lifecycle with every part real and separate: a KRaft broker,
 * the packaged trainer and two packaged workers. Labeled Fashion-MNIST images streamed into
 * the topic train version 1, which is promoted (it beats chance on the holdout) and rolled out
 * to both workers while a client keeps Classify calls going to each: no call fails, and each
 * worker's answers switch from version 0 to version 1 exactly once. A worker started later
 * pulls version 1 before it is ready. Round triggers without the operator's certificate are
 * refused. The trainer restarted on its data resumes where it stopped: it neither loses nor
 * re-reads labeled images. Every model-management call goes over mutual TLS with certificates
 * of a CA made for the test and no token at all: the trainer's Sync calls (which carry nothing),
 * the workers' register and pull, the operator's trigger (the bearer-token path between real processes is
 * LocalStackIT's).
 */
class RolloutIT {

    private static final Logger LOG = Logger.getLogger(RolloutIT.class);
    static final int LABELED = 3000;
    static final int MORE_AFTER_RESTART = 200;

    @TempDir
    Path dir;

    static final String TRAINER_CN = "alexstream-trainer";
    static final String WORKER_CN = "alexstream-worker";
    static final String OPERATOR_CN = "alexstream-operator";
    LocalCertificates certificates;
    String trustStorePassword;
    int trainerTlsPort;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ObjectMapper json = new ObjectMapper();

    @Test
    void trainPromoteAndRollOutWithoutAFailedCallThenResumeAfterARestart() throws Exception {
        Path trainerJar = Path.of(System.getProperty("trainer.app", "target/apps/trainer/quarkus-run.jar"));
        Path workerJar = Path.of(System.getProperty("worker.app", "target/apps/worker/quarkus-run.jar"));
        Path data = Path.of(System.getProperty("fashion.mnist.dir", "/usr/share/datasets/fashion-mnist"));
        List<IdxImages.LabeledImage> images = IdxImages.fashionMnist(data, true, LABELED + MORE_AFTER_RESTART);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(Map.of("images", 2, "images.labeled", 2, "predictions", 2, "images.dead-letter", 1));
            Path seed = seedWeights(dir.resolve("seed-v0.alxw"));
            certificates = LocalCertificates.createAuthority(
                    dir.resolve("tls"), "alexstream-test-ca", List.of("localhost", "127.0.0.1"));
            trustStorePassword = io.alexstream.auth.BearerTokens.generate();
            int trainerPort = ServiceProcess.freePort();
            trainerTlsPort = ServiceProcess.freePort();
            ServiceProcess trainer = startTrainer(trainerJar, kafka, trainerPort);
            List<ServiceProcess> workers = new ArrayList<>();
            try {
                trainer.awaitReady(Duration.ofSeconds(120));
                workers.add(startWorker(workerJar, kafka, "worker-a", seed, trainerPort));
                workers.add(startWorker(workerJar, kafka, "worker-b", seed, trainerPort));
                for (ServiceProcess worker : workers) {
                    worker.awaitReady(Duration.ofSeconds(120));
                }
                awaitStatus(trainer, s -> s.path("workers").size() == 2, "both workers registered");

                assertRoundTriggersNeedTheOperatorCertificate();

                // a client keeps calling both workers through training and rollout
                byte[] probe = png(images.get(0).image());
                List<ManagedChannel> channels = workers.stream()
                        .map(w -> TlsChannels.forTarget("127.0.0.1:" + w.grpcPort(), anonymous()))
                        .toList();
                List<List<Long>> versionsSeen = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
                List<String> failures = new CopyOnWriteArrayList<>();
                AtomicInteger calls = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                Thread client = new Thread(
                        () -> {
                            while (!stop.get()) {
                                for (int w = 0; w < channels.size(); w++) {
                                    try {
                                        ClassifyResponse response = ClassifierGrpc.newBlockingStub(channels.get(w))
                                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                                .classify(ClassifyRequest.newBuilder()
                                                        .setImage(ByteString.copyFrom(probe))
                                                        .setCropMode(CropMode.CENTER)
                                                        .build());
                                        versionsSeen
                                                .get(w)
                                                .add(response.getPrediction().getModelVersion());
                                    } catch (StatusRuntimeException e) {
                                        failures.add(workers.get(w).name() + ": " + e.getStatus());
                                    }
                                    calls.incrementAndGet();
                                }
                            }
                        },
                        "classify-client");
                client.start();

                produceLabeled(kafka, images.subList(0, LABELED), 0);
                JsonNode rolledOut = awaitStatus(
                        trainer,
                        s -> s.path("current_version").asLong() == 1
                                && "DONE".equals(s.path("rollout_state").asText()),
                        "version 1 promoted and rolled out");
                Thread.sleep(1500);
                stop.set(true);
                client.join();
                channels.forEach(ManagedChannel::shutdownNow);

                JsonNode version1 = rolledOut.path("versions").get(0);
                LOG.infof(
                        "version 1: %s; %d Classify calls during the rollout, failures %s",
                        version1.path("metrics"), calls.get(), failures);
                assertThat(version1.path("metrics").path("top1").asDouble())
                        .as("holdout top-1 of version 1")
                        .isGreaterThan(0.3);
                assertThat(version1.path("lineage").size())
                        .as("lineage: the labeled partitions it was trained on")
                        .isEqualTo(2);
                assertThat(version1.path("hyperparameters").path("momentum").asText())
                        .isEqualTo("0.9");
                assertThat(failures)
                        .as("failed Classify calls during the rollout")
                        .isEmpty();
                for (int w = 0; w < 2; w++) {
                    assertThat(switches(versionsSeen.get(w)))
                            .as("versions answered by %s", workers.get(w).name())
                            .containsExactly(0L, 1L);
                }
                for (JsonNode worker : rolledOut.path("workers")) {
                    assertThat(worker.path("servingVersion").asLong())
                            .as(worker.toString())
                            .isEqualTo(1);
                }

                // a worker that starts later pulls the current version before it is ready
                ServiceProcess late = startWorker(workerJar, kafka, "worker-c", null, trainerPort);
                workers.add(late);
                late.awaitReady(Duration.ofSeconds(120));
                ManagedChannel lateChannel = TlsChannels.forTarget("127.0.0.1:" + late.grpcPort(), anonymous());
                try {
                    assertThat(ClassifierGrpc.newBlockingStub(lateChannel)
                                    .classify(ClassifyRequest.newBuilder()
                                            .setImage(ByteString.copyFrom(probe))
                                            .build())
                                    .getPrediction()
                                    .getModelVersion())
                            .isEqualTo(1);
                } finally {
                    lateChannel.shutdownNow();
                }

                // restart: nothing lost, nothing read again, version 1 still current
                long storedBefore =
                        status(trainer).path("examples").path("stored").asLong();
                assertThat(storedBefore).isEqualTo(LABELED);
                trainer.close();
                produceLabeled(kafka, images.subList(LABELED, LABELED + MORE_AFTER_RESTART), LABELED);
                trainer = startTrainer(trainerJar, kafka, trainerPort);
                trainer.awaitReady(Duration.ofSeconds(120));
                JsonNode resumed = awaitStatus(
                        trainer,
                        s -> s.path("examples").path("stored").asLong() == LABELED + MORE_AFTER_RESTART,
                        "the new images stored");
                String restartedLog = trainer.logTail();
                assertThat(resumed.path("examples").path("stored_since_start").asLong())
                        .as("stored by the restarted trainer; status %s; its log ends:%n%s", resumed, restartedLog)
                        .isEqualTo(MORE_AFTER_RESTART);
                assertThat(resumed.path("examples").path("duplicates_skipped").asLong())
                        .isZero();
                assertThat(resumed.path("current_version").asLong()).isEqualTo(1);
                // registrations live in the trainer's memory: the workers' heartbeat re-registers them
                JsonNode known =
                        awaitStatus(trainer, s -> s.path("workers").size() == 3, "the three workers registered again");
                assertThat(known.path("workers").findValuesAsText("id"))
                        .containsExactlyInAnyOrder("worker-a", "worker-b", "worker-c");
                assertThat(known.path("workers").findValuesAsText("servingVersion"))
                        .containsOnly("1");
            } finally {
                for (ServiceProcess worker : workers) {
                    worker.close();
                }
                trainer.close();
            }
        }
    }

    private void assertRoundTriggersNeedTheOperatorCertificate() throws Exception {
        assertTrigger(anonymous(), Status.Code.UNAUTHENTICATED);
        assertTrigger(client(WORKER_CN), Status.Code.PERMISSION_DENIED);
        // with the operator's certificate the call is accepted; with no examples yet the round is skipped
        ManagedChannel channel = TlsChannels.forTarget("127.0.0.1:" + trainerTlsPort, client(OPERATOR_CN));
        try {
            assertThat(ModelRegistryGrpc.newBlockingStub(channel)
                            .triggerRound(TriggerRoundRequest.getDefaultInstance())
                            .getMessage())
                    .contains("queued");
        } finally {
            channel.shutdownNow();
        }
    }

    private void assertTrigger(Optional<TlsChannels.ClientTls> tls, Status.Code code) {
        ManagedChannel channel = TlsChannels.forTarget("127.0.0.1:" + trainerTlsPort, tls);
        try {
            assertThatThrownBy(() -> ModelRegistryGrpc.newBlockingStub(channel)
                            .triggerRound(TriggerRoundRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
        } finally {
            channel.shutdownNow();
        }
    }

    /** TLS that trusts the test's CA, without a client certificate (what a Classify caller uses). */
    private Optional<TlsChannels.ClientTls> anonymous() {
        return Optional.of(certificates.trustOnly());
    }

    private Optional<TlsChannels.ClientTls> client(String commonName) throws Exception {
        return Optional.of(certificates.clientTls(commonName));
    }

    private ServiceProcess startTrainer(Path jar, EmbeddedKafka kafka, int port) throws Exception {
        LocalCertificates.Issued server = certificates.issueServer("trainer");
        LocalCertificates.Issued pusher = certificates.issueClient(TRAINER_CN);
        return ServiceProcess.quarkusApp("trainer", jar)
                .jvmOption("-Xmx2g")
                .port(port)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.trainer.data-dir", dir.resolve("trainer"))
                .property("alexstream.trainer.min-new-examples", 2500)
                .property("alexstream.trainer.epochs-per-round", 2)
                // the registry on the TLS port; plain HTTP stays for status and health
                .property("quarkus.http.ssl-port", trainerTlsPort)
                .property("quarkus.tls.key-store.pem.trainer.cert", server.certificate())
                .property("quarkus.tls.key-store.pem.trainer.key", server.key())
                .property("quarkus.tls.trust-store.pem.certs", certificates.authorityCertificate())
                .property("alexstream.auth.worker-certificate-name", WORKER_CN)
                .property("alexstream.auth.operator-certificate-name", OPERATOR_CN)
                // pushes to the workers over TLS with the trainer's certificate
                .property("alexstream.trainer.push-tls-trust-certificate", certificates.authorityCertificate())
                .property("alexstream.trainer.push-tls-certificate", pusher.certificate())
                .property("alexstream.trainer.push-tls-key", pusher.key())
                .log(dir.resolve("trainer.log"))
                .start();
    }

    private ServiceProcess startWorker(Path jar, EmbeddedKafka kafka, String id, Path weights, int trainerPort)
            throws Exception {
        LocalCertificates.Issued server = certificates.issueServer(id);
        LocalCertificates.Issued puller = certificates.issueClient(WORKER_CN);
        ServiceProcess.Builder builder = ServiceProcess.quarkusApp(id, jar)
                .jvmOption("-Xmx1g")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.id", id)
                .property("alexstream.worker.state-dir", dir.resolve(id))
                .property("alexstream.worker.trainer-address", "127.0.0.1:" + trainerTlsPort)
                .property("alexstream.worker.trainer-heartbeat-seconds", 2)
                // gRPC over TLS; pushes only from the trainer's certificate
                .property("quarkus.grpc.server.ssl.certificate", server.certificate())
                .property("quarkus.grpc.server.ssl.key", server.key())
                .property("quarkus.grpc.server.ssl.trust-store", certificates.trustStore(trustStorePassword))
                .property("quarkus.grpc.server.ssl.trust-store-password", trustStorePassword)
                .property("quarkus.grpc.server.ssl.client-auth", "REQUEST")
                .property("alexstream.auth.trainer-certificate-name", TRAINER_CN)
                // register and pull over TLS with the worker's certificate
                .property("alexstream.worker.trainer-tls-trust-certificate", certificates.authorityCertificate())
                .property("alexstream.worker.trainer-tls-certificate", puller.certificate())
                .property("alexstream.worker.trainer-tls-key", puller.key())
                .log(dir.resolve(id + ".log"));
        if (weights != null) {
            builder.property("alexstream.worker.weights-file", weights);
        }
        return builder.start();
    }

    private void produceLabeled(EmbeddedKafka kafka, List<IdxImages.LabeledImage> images, int firstId)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < images.size(); i++) {
                String id = "fm-" + (firstId + i);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                        "images.labeled", id, png(images.get(i).image()));
                record.headers().add("image-id", id.getBytes(StandardCharsets.UTF_8));
                // half by index, half by class name: both are valid labels
                String label = i % 2 == 0
                        ? Integer.toString(images.get(i).label())
                        : Profiles.small().classNames().get(images.get(i).label());
                record.headers().add("label", label.getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private JsonNode status(ServiceProcess trainer) throws Exception {
        return json.readTree(http.send(
                        HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    private JsonNode awaitStatus(ServiceProcess trainer, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = status(trainer);
            if (condition.test(last)) {
                return last;
            }
            assertThat(trainer.isAlive()).as("trainer alive").isTrue();
            Thread.sleep(500);
        }
        throw new AssertionError("waited 4 minutes for " + what + "; last status " + last + "\n" + trainer.logTail());
    }

    /** The versions in the order they were answered, each run of repeats collapsed. */
    static List<Long> switches(List<Long> versions) {
        List<Long> runs = new ArrayList<>();
        for (Long v : versions) {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(v)) {
                runs.add(v);
            }
        }
        return runs;
    }

    private static Path seedWeights(Path file) throws Exception {
        return SeedWeights.write(SeedWeights.small(3, 72f, SeedWeights.version(0, null, Map.of())), file);
    }

    private static byte[] png(io.alexstream.engine.image.RgbImage image) throws Exception {
        BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] rgb = image.rgb();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int g = rgb[(y * image.width() + x) * 3] & 0xff;
                buffered.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(buffered, "png", out);
        return out.toByteArray();
    }
}

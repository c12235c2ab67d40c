package io.alexstream.worker;

import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.testing.kafka.TestBroker;
import io.alexstream.testing.weights.SeedWeights;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real single-node KRaft broker with the worker's topics, and a small-profile weights
 * artifact (version 1) for the worker to load at start-up.
 */
public class WorkerTestResources implements QuarkusTestResourceLifecycleManager {

    static final String IMAGES = "images";
    static final String PREDICTIONS = "predictions";
    static final String DEAD_LETTERS = "images.dead-letter";
    static final String REVIEW = io.alexstream.contracts.Topics.REVIEW;
    static final String PREDICTIONS_SHADOW = io.alexstream.contracts.Topics.PREDICTIONS_SHADOW;
    static volatile String bootstrapServers;
    /** Generated per run, as the local stack does: never a secret written in the code. */
    static final String TRAINER_TOKEN = io.alexstream.auth.BearerTokens.generate();

    static final String WORKER_TOKEN = io.alexstream.auth.BearerTokens.generate();
    static volatile Path stateDir;

    /** The weights the worker starts with (version 1), for tests that push variations of them. */
    static volatile ModelWeights seedArtifact;

    /**
     * With the init arg {@code tls=true}: the CA that signed the worker's gRPC server certificate, to issue client
     * certificates.
     */
    static volatile io.alexstream.auth.LocalCertificates certificates;

    static final String TRAINER_CERTIFICATE_NAME = "alexstream-trainer";
    static final String OPERATOR_CERTIFICATE_NAME = "alexstream-operator";

    private static volatile TestBroker kafka;
    private boolean withWeights = true;
    private boolean withTls;
    private boolean withFakeTrainer;
    private boolean exactlyOnce;
    private boolean shadow;
    /** Set when the resource runs with initArg trainer=fake: versions 1 and 2 of the same weights are on offer. */
    static volatile FakeTrainer fakeTrainer;

    @Override
    public void init(Map<String, String> initArgs) {
        withWeights = !"false".equals(initArgs.get("weights"));
        withTls = "true".equals(initArgs.get("tls"));
        withFakeTrainer = "fake".equals(initArgs.get("trainer"));
        exactlyOnce = "true".equals(initArgs.get("exactly-once"));
        shadow = "true".equals(initArgs.get("shadow"));
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("alexstream-worker-test");
            kafka = TestBroker.start(
                    dir.resolve("kafka"),
                    Map.of(IMAGES, 2, PREDICTIONS, 2, DEAD_LETTERS, 1, REVIEW, 1, PREDICTIONS_SHADOW, 2));
            bootstrapServers = kafka.bootstrapServers();
            stateDir = dir.resolve("state");
            Map<String, String> common = Map.of(
                    "kafka.bootstrap.servers",
                    bootstrapServers,
                    "alexstream.worker.state-dir",
                    stateDir.toString(),
                    "alexstream.auth.trainer-token",
                    TRAINER_TOKEN,
                    "alexstream.auth.worker-token",
                    WORKER_TOKEN);
            if (!withWeights) {
                return common;
            }
            ModelWeights seed = SeedWeights.small(9, 100f, SeedWeights.version(1, null, Map.of()));
            Path weights = SeedWeights.write(seed, dir.resolve("small-v1.alxw"));
            seedArtifact = seed;
            if (withFakeTrainer) {
                fakeTrainer = new FakeTrainer();
                for (long version = 1; version <= 2; version++) {
                    fakeTrainer.artifacts.put(
                            version,
                            WeightsCodec.toBytes(SeedWeights.relabel(
                                    seed, SeedWeights.version(version, version == 1 ? null : 1L, Map.of()))));
                }
                fakeTrainer.desired.set(1);
            }
            Map<String, String> properties = new java.util.HashMap<>(common);
            properties.put("alexstream.worker.weights-file", weights.toString());
            if (withTls) {
                properties.putAll(tls(dir.resolve("tls")));
            }
            if (exactlyOnce) {
                properties.put("alexstream.worker.exactly-once", "true");
            }
            if (shadow) {
                properties.put("alexstream.worker.shadow", "true");
            }
            if (withFakeTrainer) {
                properties.put("alexstream.worker.trainer-address", fakeTrainer.address());
                properties.put("alexstream.worker.trainer-heartbeat-seconds", "1");
            }
            return properties;
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the worker test environment", e);
        }
    }

    /**
     * TLS on the worker's gRPC server, a client certificate requested (not required), and the certificate CNs per role.
     */
    private static Map<String, String> tls(Path dir) throws java.io.IOException {
        certificates = io.alexstream.auth.LocalCertificates.createAuthority(
                dir, "alexstream-test-ca", List.of("localhost", "127.0.0.1"));
        io.alexstream.auth.LocalCertificates.Issued server = certificates.issueServer("worker-1");
        String password = io.alexstream.auth.BearerTokens.generate();
        return Map.of(
                "quarkus.grpc.server.ssl.certificate",
                server.certificate().toString(),
                "quarkus.grpc.server.ssl.key",
                server.key().toString(),
                "quarkus.grpc.server.ssl.trust-store",
                certificates.trustStore(password).toString(),
                "quarkus.grpc.server.ssl.trust-store-password",
                password,
                "quarkus.grpc.server.ssl.client-auth",
                "REQUEST",
                "alexstream.auth.trainer-certificate-name",
                TRAINER_CERTIFICATE_NAME,
                "alexstream.auth.operator-certificate-name",
                OPERATOR_CERTIFICATE_NAME);
    }

    /**
     * Stops the broker, as an outage does: its data stays, and {@link #startBroker} brings it back on the same port.
     */
    static void stopBroker() {
        kafka.stop();
    }

    static void startBroker() throws Exception {
        kafka.restart();
    }

    @Override
    public void stop() {
        if (fakeTrainer != null) {
            fakeTrainer.close();
            fakeTrainer = null;
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}

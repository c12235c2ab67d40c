package io.alexstream.trainer;

import io.alexstream.auth.BearerTokens;
import io.alexstream.testing.kafka.TestBroker;
import io.alexstream.testing.weights.SeedWeights;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real KRaft broker with the labeled topic, its dead-letter topic and the evaluations topic, and a trainer data
 * directory that already holds versions 1 and 2 (small profile), as a trainer that has been running for a while would.
 */
public class TrainerTestResources implements QuarkusTestResourceLifecycleManager {

    static final String WORKER_TOKEN = BearerTokens.generate();
    static final String OPERATOR_TOKEN = BearerTokens.generate();
    static final String RELEASE_MANAGER_TOKEN = BearerTokens.generate();
    /** A well-formed token the trainer was never given: the trainer role holds no credential any more. */
    static final String TRAINER_TOKEN = BearerTokens.generate();

    /** With the init arg {@code tls=true}: the CA behind the trainer's TLS port, to issue client certificates. */
    static volatile io.alexstream.auth.LocalCertificates certificates;

    static final String WORKER_CERTIFICATE_NAME = "alexstream-worker";
    static final String OPERATOR_CERTIFICATE_NAME = "alexstream-operator";

    private static volatile TestBroker kafka;
    private boolean withTls;

    @Override
    public void init(Map<String, String> initArgs) {
        withTls = "true".equals(initArgs.get("tls"));
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("alexstream-trainer-test");
            kafka = TestBroker.start(
                    dir.resolve("kafka"),
                    Map.of("images.labeled", 1, "images.labeled.dead-letter", 1, "evaluations", 1));
            Path versions = Files.createDirectories(dir.resolve("trainer/versions"));
            for (int version = 1; version <= 2; version++) {
                SeedWeights.write(
                        SeedWeights.small(
                                version,
                                90f,
                                SeedWeights.version(
                                        version, version == 1 ? null : 1L, Map.of("top1", 0.5 + version / 10.0))),
                        versions.resolve(String.format("v%06d.alxw", version)));
            }
            Map<String, String> properties = new java.util.HashMap<>(Map.of(
                    "kafka.bootstrap.servers",
                    kafka.bootstrapServers(),
                    "alexstream.trainer.data-dir",
                    dir.resolve("trainer").toString(),
                    "alexstream.auth.worker-token",
                    WORKER_TOKEN,
                    "alexstream.auth.operator-token",
                    OPERATOR_TOKEN,
                    "alexstream.auth.release-manager-token",
                    RELEASE_MANAGER_TOKEN));
            if (withTls) {
                // the HTTP server's TLS (Quarkus's TLS registry), which the gRPC services on the HTTP port share
                certificates = io.alexstream.auth.LocalCertificates.createAuthority(
                        dir.resolve("tls"), "alexstream-test-ca", List.of("localhost", "127.0.0.1"));
                io.alexstream.auth.LocalCertificates.Issued server = certificates.issueServer("trainer");
                properties.put(
                        "quarkus.tls.key-store.pem.trainer.cert",
                        server.certificate().toString());
                properties.put(
                        "quarkus.tls.key-store.pem.trainer.key", server.key().toString());
                properties.put(
                        "quarkus.tls.trust-store.pem.certs",
                        certificates.authorityCertificate().toString());
                properties.put("alexstream.auth.worker-certificate-name", WORKER_CERTIFICATE_NAME);
                properties.put("alexstream.auth.operator-certificate-name", OPERATOR_CERTIFICATE_NAME);
            }
            return properties;
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the trainer test environment", e);
        }
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
        if (kafka != null) {
            kafka.close();
        }
    }
}

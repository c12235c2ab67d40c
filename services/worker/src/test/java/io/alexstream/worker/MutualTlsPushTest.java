package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.auth.TlsChannels;
import io.alexstream.engine.model.Profiles;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.PushResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier: integration over a real TLS socket. The worker's gRPC server runs with TLS from
 * Quarkus's own settings ({@code quarkus.grpc.server.ssl.*}, client certificate requested) and
 * maps certificate CNs to roles: Classify needs no certificate; a push with the trainer's
 * certificate and no token is accepted; one with no credential, the operator's certificate or
 * over plaintext is refused, and the served version does not change.
 */
@QuarkusTest
@QuarkusTestResource(
        value = WorkerTestResources.class,
        restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "tls", value = "true"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MutualTlsPushTest {

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    private ManagedChannel channel;

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void classifyOverTlsNeedsNoClientCertificate() throws Exception {
        var answer = ClassifierGrpc.newBlockingStub(connect(anonymous()))
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(ModelReceiverTest.png()))
                        .build());
        assertThat(answer.getPrediction().getModelVersion()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void noCredentialTheOperatorsCertificateAndPlaintextPushNothing() throws Exception {
        byte[] v2 = ModelReceiverTest.artifact(2, Profiles.small(), 31);
        ModelReceiverTest.assertRefused(
                ModelReceiverTest.push(connect(anonymous()), v2, 2, null),
                Status.Code.UNAUTHENTICATED,
                "client certificate");
        channel.shutdownNow();
        ModelReceiverTest.assertRefused(
                ModelReceiverTest.push(connect(client(WorkerTestResources.OPERATOR_CERTIFICATE_NAME)), v2, 2, null),
                Status.Code.PERMISSION_DENIED,
                "operator");
        channel.shutdownNow();
        ModelReceiverTest.assertRefused(
                ModelReceiverTest.push(
                        connect(Optional.empty()), v2, 2, new BearerCredentials(WorkerTestResources.TRAINER_TOKEN)),
                Status.Code.UNAVAILABLE);
        channel.shutdownNow();
        assertThat(ModelReceiverTest.servedVersion(
                        connect(client(WorkerTestResources.OPERATOR_CERTIFICATE_NAME)), null))
                .isEqualTo(1);
    }

    @Test
    @Order(3)
    void theTrainersCertificatePushesWithoutAToken() throws Exception {
        ManagedChannel trainer = connect(client(WorkerTestResources.TRAINER_CERTIFICATE_NAME));
        PushResult result = ModelReceiverTest.push(
                        trainer, ModelReceiverTest.artifact(2, Profiles.small(), 32), 2, null)
                .get(120, TimeUnit.SECONDS);
        assertThat(result.getAccepted()).isTrue();
        assertThat(result.getServingVersion()).isEqualTo(2);
        assertThat(ModelReceiverTest.servedVersion(trainer, null)).isEqualTo(2);
        // the token alone still works over TLS, for deployments that use both
        assertThat(ModelReceiverTest.servedVersion(
                        connect(anonymous()), new BearerCredentials(WorkerTestResources.TRAINER_TOKEN)))
                .isEqualTo(2);
    }

    private ManagedChannel connect(Optional<TlsChannels.ClientTls> tls) {
        channel = TlsChannels.forTarget("localhost:" + port, tls);
        return channel;
    }

    private static Optional<TlsChannels.ClientTls> anonymous() {
        return Optional.of(WorkerTestResources.certificates.trustOnly());
    }

    private static Optional<TlsChannels.ClientTls> client(String commonName) throws IOException {
        return Optional.of(WorkerTestResources.certificates.clientTls(commonName));
    }
}

package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.auth.TlsChannels;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.RollbackRequest;
import io.alexstream.proto.v1.RolloutStatusRequest;
import io.alexstream.proto.v1.WorkerRegistration;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Tier: component over a real TLS socket. The trainer's registry on its TLS port (the HTTP
 * server's TLS from Quarkus's TLS registry, a client certificate requested) takes a role from a
 * verified client certificate's CN: a worker's certificate registers, an operator's reads the
 * rollout status; a worker's certificate may not roll back, and without any credential nothing
 * is allowed.
 */
@QuarkusTest
@QuarkusTestResource(
        value = TrainerTestResources.class,
        restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "tls", value = "true"))
class TrainerMutualTlsTest {

    @ConfigProperty(name = "quarkus.http.test-ssl-port")
    int port;

    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    @Test
    void eachCertificateActsAsItsRole() throws IOException {
        long current = registry(client(TrainerTestResources.WORKER_CERTIFICATE_NAME))
                .registerWorker(WorkerRegistration.newBuilder()
                        .setWorkerId("tls-worker")
                        .setAddress("localhost:1")
                        .setServingVersion(2)
                        .build())
                .getCurrentVersion();
        assertThat(current).isEqualTo(2);
        assertThat(registry(client(TrainerTestResources.OPERATOR_CERTIFICATE_NAME))
                        .getRolloutStatus(RolloutStatusRequest.getDefaultInstance())
                        .getCurrentVersion())
                .isEqualTo(2);
        assertStatus(
                () -> registry(client(TrainerTestResources.WORKER_CERTIFICATE_NAME))
                        .rollback(RollbackRequest.newBuilder().setVersion(1).build()),
                Status.Code.PERMISSION_DENIED);
    }

    @Test
    void withoutACertificateOrTokenNothingIsAllowed() {
        Optional<TlsChannels.ClientTls> anonymous = Optional.of(TrainerTestResources.certificates.trustOnly());
        assertStatus(
                () -> registry(anonymous)
                        .rollback(RollbackRequest.newBuilder().setVersion(1).build()),
                Status.Code.UNAUTHENTICATED);
        assertStatus(
                () -> registry(anonymous).getRolloutStatus(RolloutStatusRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED);
    }

    private ModelRegistryGrpc.ModelRegistryBlockingStub registry(Optional<TlsChannels.ClientTls> tls) {
        ManagedChannel channel = TlsChannels.forTarget("localhost:" + port, tls);
        channels.add(channel);
        return ModelRegistryGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static Optional<TlsChannels.ClientTls> client(String commonName) throws IOException {
        return Optional.of(TrainerTestResources.certificates.clientTls(commonName));
    }

    private static void assertStatus(Executable call, Status.Code code) {
        assertThatThrownBy(call::execute)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode())
                                .as(String.valueOf(e.getStatus()))
                                .isEqualTo(code));
    }
}

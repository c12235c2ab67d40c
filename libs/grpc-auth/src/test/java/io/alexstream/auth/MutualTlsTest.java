package io.alexstream.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.netty.handler.ssl.ClientAuth;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration over a real TLS socket (grpc-java's Netty server, certificates made by
 * {@link LocalCertificates}). The role comes from a client certificate the handshake verified,
 * or from a bearer token; a certificate of another role, one whose CN has no role, no
 * credential at all, a certificate from another CA (with the trainer's CN) and a plaintext
 * client are each refused.
 */
class MutualTlsTest {

    static final String TRAINER_TOKEN = BearerTokens.generate();
    static final MethodDescriptor<byte[], byte[]> PUSH = method("test.Model/Push");
    static final MethodDescriptor<byte[], byte[]> OPEN = method("test.Model/Open");

    static Path dir;
    static LocalCertificates authority;
    static Server server;
    static int port;

    @BeforeAll
    static void startServer() throws IOException {
        dir = Files.createTempDirectory("alexstream-tls-test");
        authority = LocalCertificates.createAuthority(
                dir.resolve("ca"), "alexstream-test-ca", List.of("localhost", "127.0.0.1"));
        LocalCertificates.Issued serverCertificate = authority.issueServer("worker-1");
        CallerAuthInterceptor interceptor = new CallerAuthInterceptor(
                BearerTokens.of(Optional.of(TRAINER_TOKEN), Optional.empty(), Optional.empty()),
                CertificateRoles.of(
                        Optional.of("alexstream-trainer"), Optional.empty(), Optional.of("alexstream-operator")),
                Map.of(PUSH.getFullMethodName(), Set.of(Role.TRAINER)));
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Model")
                .addMethod(PUSH, ServerCalls.asyncUnaryCall((request, answer) -> {
                    answer.onNext("accepted".getBytes());
                    answer.onCompleted();
                }))
                .addMethod(OPEN, ServerCalls.asyncUnaryCall((request, answer) -> {
                    answer.onNext("open".getBytes());
                    answer.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.forServer(
                                serverCertificate.certificate().toFile(),
                                serverCertificate.key().toFile())
                        .trustManager(authority.authorityCertificate().toFile())
                        // a certificate is asked for, not required: Classify callers have none
                        .clientAuth(ClientAuth.OPTIONAL)
                        .build())
                .addService(ServerInterceptors.intercept(service, interceptor))
                .build()
                .start();
        port = server.getPort();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void theTrainersCertificatePushesWithoutAToken() throws IOException {
        assertThat(call(client("alexstream-trainer"), PUSH, null)).isEqualTo("accepted");
    }

    @Test
    void anotherRolesCertificateOrAnUnmappedOneIsPermissionDenied() throws IOException {
        assertRefused(client("alexstream-operator"), null, Status.Code.PERMISSION_DENIED, "operator");
        assertRefused(client("someone-else"), null, Status.Code.PERMISSION_DENIED, "CN=someone-else");
    }

    @Test
    void withoutACertificateTheTokenDecidesAndNeitherIsUnauthenticated() {
        Optional<TlsChannels.ClientTls> anonymous = Optional.of(authority.trustOnly());
        assertRefused(anonymous, null, Status.Code.UNAUTHENTICATED, "client certificate");
        assertRefused(anonymous, "not-a-valid-token-0123456789", Status.Code.UNAUTHENTICATED, "not valid");
        assertThat(call(anonymous, PUSH, TRAINER_TOKEN)).isEqualTo("accepted");
        assertThat(call(anonymous, OPEN, null)).isEqualTo("open");
    }

    @Test
    void aCertificateFromAnotherAuthorityCountsForNothingAndPlaintextIsRefused() throws IOException {
        LocalCertificates stranger =
                LocalCertificates.createAuthority(dir.resolve("stranger"), "stranger-ca", List.of("localhost"));
        LocalCertificates.Issued forged = stranger.issueClient("alexstream-trainer");
        Optional<TlsChannels.ClientTls> forgedTls = Optional.of(new TlsChannels.ClientTls(
                authority.authorityCertificate(), Optional.of(forged.certificate()), Optional.of(forged.key())));
        // the server names the CAs it accepts, so the client has no certificate to offer: no credential, nothing runs
        assertRefused(forgedTls, null, Status.Code.UNAUTHENTICATED, "client certificate");
        assertRefused(Optional.empty(), TRAINER_TOKEN, Status.Code.UNAVAILABLE, null);
    }

    static Optional<TlsChannels.ClientTls> client(String commonName) throws IOException {
        return Optional.of(authority.clientTls(commonName));
    }

    static void assertRefused(Optional<TlsChannels.ClientTls> tls, String token, Status.Code code, String detail) {
        assertThatThrownBy(() -> call(tls, PUSH, token)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            if (detail != null) {
                assertThat(e.getStatus().getDescription()).contains(detail);
            }
        });
    }

    static String call(Optional<TlsChannels.ClientTls> tls, MethodDescriptor<byte[], byte[]> method, String token) {
        ManagedChannel channel = TlsChannels.forTarget("localhost:" + port, tls);
        try {
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
            if (token != null) {
                options = options.withCallCredentials(new BearerCredentials(token));
            }
            return new String(ClientCalls.blockingUnaryCall(channel, method, options, new byte[] {1}));
        } finally {
            channel.shutdownNow();
        }
    }

    static MethodDescriptor<byte[], byte[]> method(String name) {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(name)
                .setRequestMarshaller(bytes)
                .setResponseMarshaller(bytes)
                .build();
    }
}

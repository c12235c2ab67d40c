package io.alexstream.auth;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Client channels to a model-management server: plaintext, or TLS that trusts the deployment's
 * CA and, for mutual TLS, presents this service's certificate (PEM files: certificate chain and
 * PKCS#8 key).
 */
public final class TlsChannels {

    /** The TLS side of a client: the CA to trust, and this client's certificate and key when it has one. */
    public record ClientTls(Path trustCertificate, Optional<Path> certificate, Optional<Path> key) {
        public ClientTls {
            if (certificate.isPresent() != key.isPresent()) {
                throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
            }
        }

        /** From a service's settings (file paths): TLS when a CA to trust is set, plaintext (empty) otherwise. */
        public static Optional<ClientTls> fromSettings(
                Optional<String> trustCertificate, Optional<String> certificate, Optional<String> key) {
            return trustCertificate.map(
                    trust -> new ClientTls(Path.of(trust), certificate.map(Path::of), key.map(Path::of)));
        }
    }

    private TlsChannels() {}

    public static ManagedChannel forTarget(String target, Optional<ClientTls> tls) {
        if (tls.isEmpty()) {
            return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        }
        try {
            SslContextBuilder context = GrpcSslContexts.forClient()
                    .trustManager(tls.get().trustCertificate().toFile());
            if (tls.get().certificate().isPresent()) {
                context.keyManager(
                        tls.get().certificate().get().toFile(),
                        tls.get().key().orElseThrow().toFile());
            }
            return NettyChannelBuilder.forTarget(target)
                    .sslContext(context.build())
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS to " + target + ": " + e.getMessage(), e);
        }
    }
}

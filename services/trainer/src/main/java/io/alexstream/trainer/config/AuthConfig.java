package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Credentials per role: bearer tokens (env {@code ALEXSTREAM_AUTH_WORKER_TOKEN},
 * {@code ALEXSTREAM_AUTH_OPERATOR_TOKEN}, {@code ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN}) and the CNs of client
 * certificates for mutual TLS. None has a default: a role with neither cannot call anything protected. The trainer
 * holds no credential of its own: its rollouts call the workers' open Sync and the workers pull.
 */
@ConfigMapping(prefix = "alexstream.auth")
public interface AuthConfig {

    /** Presented by workers to register and pull weights. */
    Optional<String> workerToken();

    /** Presented by operators: rollback and training rounds. */
    Optional<String> operatorToken();

    /**
     * Subject CN of the workers' client certificates: over TLS (the HTTP server's TLS, which the
     * gRPC services share: {@code quarkus.tls.*}, {@code quarkus.http.ssl.client-auth=request}), a
     * certificate the handshake verified with this CN may register and pull without a token.
     */
    Optional<String> workerCertificateName();

    /** Subject CN of operators' client certificates: rollback and training rounds without a token. */
    Optional<String> operatorCertificateName();

    /** Presented by release managers: force-promote a version past the promotion gate. */
    Optional<String> releaseManagerToken();

    /** Subject CN of release managers' client certificates: force-promote without a token. */
    Optional<String> releaseManagerCertificateName();
}

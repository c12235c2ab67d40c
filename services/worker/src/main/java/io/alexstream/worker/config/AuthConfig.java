package io.alexstream.worker.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Credentials per role: bearer tokens (env {@code ALEXSTREAM_AUTH_TRAINER_TOKEN}, ...) and the
 * CNs of client certificates for mutual TLS. None has a default: without a trainer token or a
 * trainer certificate name no push is ever accepted.
 */
@ConfigMapping(prefix = "alexstream.auth")
public interface AuthConfig {

    /** Presented by the trainer when it pushes weights here. */
    Optional<String> trainerToken();

    /** This worker's own token, presented to the trainer to register and pull weights. */
    Optional<String> workerToken();

    /** Presented by operators and tools (status calls). */
    Optional<String> operatorToken();

    /**
     * When set, classification needs it as a bearer token: gRPC {@code Classify}, {@code ClassifyStream} and the Open
     * Inference Protocol's {@code ModelInfer}, and {@code POST /v2/models/.../infer}. Health, readiness and metadata
     * stay open. Absent (the default): classification is open to any caller.
     */
    Optional<String> callerToken();

    /**
     * Subject CN of the trainer's client certificate: with TLS on the gRPC server
     * ({@code quarkus.grpc.server.ssl.*}, a trust store and {@code client-auth=REQUEST}), a
     * certificate the handshake verified with this CN may push weights without a token.
     */
    Optional<String> trainerCertificateName();

    /** Subject CN of workers' client certificates (status calls). */
    Optional<String> workerCertificateName();

    /** Subject CN of operators' client certificates (status calls). */
    Optional<String> operatorCertificateName();
}

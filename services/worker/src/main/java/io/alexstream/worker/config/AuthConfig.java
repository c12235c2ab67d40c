package io.alexstream.worker.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Bearer tokens per role (env {@code ALEXSTREAM_AUTH_TRAINER_TOKEN}, ...). None has a default:
 * without a trainer token no push is ever accepted.
 */
@ConfigMapping(prefix = "alexstream.auth")
public interface AuthConfig {

    /** Presented by the trainer when it pushes weights here. */
    Optional<String> trainerToken();

    /** This worker's own token, presented to the trainer to register and pull weights. */
    Optional<String> workerToken();

    /** Presented by operators and tools (status calls). */
    Optional<String> operatorToken();
}

package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Bearer tokens per role (env {@code ALEXSTREAM_AUTH_TRAINER_TOKEN}, ...). None has a default:
 * a role without a token cannot call anything protected.
 */
@ConfigMapping(prefix = "alexstream.auth")
public interface AuthConfig {

    /** The trainer's own token, presented to workers when it pushes weights. */
    Optional<String> trainerToken();

    /** Presented by workers to register and pull weights. */
    Optional<String> workerToken();

    /** Presented by operators: rollback and training rounds. */
    Optional<String> operatorToken();
}

package io.alexstream.ingest.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** Who may write training data through ingest. */
@ConfigMapping(prefix = "alexstream.auth")
public interface AuthConfig {

    /** Bearer token that labelled uploads must present; no default: unset, every labelled upload is refused. */
    Optional<String> labellerToken();
}

package io.alexstream.worker.security;

import io.alexstream.worker.config.AuthConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The one rule for who may ask for a classification, over any transport: anyone, unless
 * {@code alexstream.auth.caller-token} is set; then only a caller presenting {@code Bearer <that token>}.
 */
@ApplicationScoped
public class CallerToken {

    /** Why a call was refused, for the caller. */
    public static final String REFUSAL =
            "a caller token is required: authorization: Bearer <alexstream.auth.caller-token>";

    private final Optional<byte[]> expected;

    public CallerToken(AuthConfig config) {
        this.expected = config.callerToken()
                .filter(token -> !token.isBlank())
                .map(token -> ("Bearer " + token).getBytes(StandardCharsets.UTF_8));
    }

    public boolean required() {
        return expected.isPresent();
    }

    /** Whether an {@code authorization} value (null when absent) lets the caller classify. */
    public boolean admits(String authorization) {
        if (expected.isEmpty()) {
            return true;
        }
        // constant time, so a caller cannot learn the token byte by byte from how fast it is refused
        return authorization != null
                && MessageDigest.isEqual(expected.get(), authorization.getBytes(StandardCharsets.UTF_8));
    }
}

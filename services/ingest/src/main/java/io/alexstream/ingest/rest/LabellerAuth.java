package io.alexstream.ingest.rest;

import io.alexstream.ingest.config.AuthConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Guards the training data: a labelled upload goes to images.labeled, which the trainer learns
 * from, so it needs {@code Authorization: Bearer <labeller token>} ({@code alexstream.auth.labeller-token}).
 * No header: 401 UNAUTHENTICATED with {@code WWW-Authenticate: Bearer}. Another token or scheme:
 * 401 UNAUTHENTICATED too, as the gRPC services answer an unknown token: it names nobody, so there
 * is no one to deny. No labeller token configured: 403 PERMISSION_DENIED for everyone, never open
 * by default. Unlabelled uploads need nothing.
 */
@ApplicationScoped
public class LabellerAuth {

    private static final String SCHEME = "Bearer";

    private final Optional<byte[]> token;

    public LabellerAuth(AuthConfig config) {
        this.token = config.labellerToken()
                .filter(configured -> !configured.isBlank())
                .map(configured -> configured.getBytes(StandardCharsets.UTF_8));
    }

    /** Why a labelled upload with this {@code Authorization} header is refused; empty when it may go on. */
    public Optional<Response> refusal(String authorization) {
        if (token.isEmpty()) {
            return Optional.of(Problem.response(
                    403,
                    "labelling not allowed",
                    "the labeller role is not configured (alexstream.auth.labeller-token),"
                            + " so labelled uploads are refused; send the image without a label",
                    "PERMISSION_DENIED"));
        }
        if (authorization == null || authorization.isBlank()) {
            return Optional.of(unauthenticated(
                    SCHEME, "a labelled upload needs an Authorization: Bearer <labeller token> header"));
        }
        if (!isLabellerToken(authorization.strip())) {
            return Optional.of(
                    unauthenticated(SCHEME + " error=\"invalid_token\"", "the bearer token is not the labeller's"));
        }
        return Optional.empty();
    }

    private boolean isLabellerToken(String authorization) {
        // the scheme is case-insensitive (RFC 9110)
        if (!authorization.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1)) {
            return false;
        }
        byte[] presented = authorization.substring(SCHEME.length() + 1).strip().getBytes(StandardCharsets.UTF_8);
        // constant time: how long the comparison takes must not reveal how much of the token was right
        return MessageDigest.isEqual(token.orElseThrow(), presented);
    }

    private static Response unauthenticated(String challenge, String detail) {
        return Response.fromResponse(Problem.response(401, "not authenticated", detail, "UNAUTHENTICATED"))
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge)
                .build();
    }
}

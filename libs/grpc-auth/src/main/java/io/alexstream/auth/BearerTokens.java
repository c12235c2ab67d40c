package io.alexstream.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The secrets that identify each role. There is no default: a role without a configured
 * token can never be presented, so a fresh deployment refuses every protected call until
 * an operator sets the tokens (the local stack generates them).
 */
public final class BearerTokens {

    /** Tokens shorter than this are refused at start-up: they could be guessed. */
    public static final int MIN_LENGTH = 16;

    private final Map<Role, byte[]> tokens = new EnumMap<>(Role.class);

    public BearerTokens(Map<Role, String> tokensByRole) {
        tokensByRole.forEach((role, token) -> {
            if (token == null || token.isBlank()) {
                return;
            }
            if (token.length() < MIN_LENGTH) {
                throw new IllegalArgumentException(
                        "the " + role.name().toLowerCase() + " token is shorter than " + MIN_LENGTH + " characters");
            }
            tokens.put(role, token.getBytes(StandardCharsets.UTF_8));
        });
        if (tokens.values().stream().map(String::new).distinct().count() != tokens.size()) {
            throw new IllegalArgumentException("two roles share one token: each role needs its own");
        }
    }

    /** The tokens a service was configured with, any of them absent. */
    public static BearerTokens of(Optional<String> trainer, Optional<String> worker, Optional<String> operator) {
        Map<Role, Optional<String>> tokens = new EnumMap<>(Role.class);
        tokens.put(Role.TRAINER, trainer);
        tokens.put(Role.WORKER, worker);
        tokens.put(Role.OPERATOR, operator);
        return of(tokens);
    }

    /** The tokens a service was configured with, by role, any of them absent. */
    public static BearerTokens of(Map<Role, Optional<String>> configured) {
        Map<Role, String> tokens = new EnumMap<>(Role.class);
        configured.forEach((role, token) -> token.ifPresent(t -> tokens.put(role, t)));
        return new BearerTokens(tokens);
    }

    /** The role this token belongs to, compared in constant time against every configured token. */
    public Optional<Role> roleOf(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        Role found = null;
        for (Map.Entry<Role, byte[]> entry : tokens.entrySet()) {
            if (MessageDigest.isEqual(entry.getValue(), candidate)) {
                found = entry.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    public boolean isConfigured(Role role) {
        return tokens.containsKey(role);
    }

    /** 256 random bits, hex: what the local stack writes for each role. */
    public static String generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}

package io.alexstream.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit, no Quarkus boot: the environment variable operators are told to set is the
 * one the mapping reads, and leaving it out leaves the role unconfigured rather than defaulted.
 */
class AuthConfigTest {

    @Test
    void theLabellerTokenComesFromItsEnvironmentVariable() {
        assertThat(mapping(Map.of("ALEXSTREAM_AUTH_LABELLER_TOKEN", "from-the-environment"))
                        .labellerToken())
                .contains("from-the-environment");
    }

    @Test
    void withoutItTheRoleHasNoToken() {
        assertThat(mapping(Map.of()).labellerToken()).isEmpty();
    }

    private static AuthConfig mapping(Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(environment, 300))
                .withMapping(AuthConfig.class)
                .build();
        return config.getConfigMapping(AuthConfig.class);
    }
}

package io.alexstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit. Where {@link ServiceProcess#packagedApp} finds a service: under the
 * repository's services/&lt;service&gt;/target/quarkus-app by default, under the directory named
 * by {@code alexstream.apps} when the system tests set it.
 */
class PackagedAppTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty("alexstream.apps");
    }

    @Test
    void theServicesOwnBuildOutputByDefault() {
        assertThat(ServiceProcess.packagedApp(Path.of("/repo"), "worker"))
                .isEqualTo(Path.of("/repo/services/worker/target/quarkus-app/quarkus-run.jar"));
    }

    @Test
    void theAppsDirectoryWhenOneIsNamed() {
        System.setProperty("alexstream.apps", "/tmp/apps");
        assertThat(ServiceProcess.packagedApp(Path.of("/repo"), "trainer"))
                .isEqualTo(Path.of("/tmp/apps/trainer/quarkus-run.jar"));
    }
}

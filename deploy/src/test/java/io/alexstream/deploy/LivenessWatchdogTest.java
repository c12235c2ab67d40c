package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tier: plain, with the shells the images run it under ({@code dash} is Ubuntu's {@code /bin/sh},
 * the worker's GPU image; {@code bash} is UBI's, ingest's and the trainer's). The compose
 * entrypoint {@code deploy/compose/liveness-watchdog.sh} against a local HTTP endpoint whose
 * status the test sets: it stops a service whose liveness keeps failing (so that compose
 * restarts the container), leaves one alone that is still starting, passes {@code docker stop}'s
 * SIGTERM on, and exits with the service's status.
 */
class LivenessWatchdogTest {

    private static final Path SCRIPT = RepositoryFiles.root().resolve("deploy/compose/liveness-watchdog.sh");
    /** A service that runs until it is told to stop, and then exits 7. */
    private static final List<String> SERVICE = List.of("sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done");

    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicInteger liveness = new AtomicInteger(200);
    private final AtomicInteger polls = new AtomicInteger();

    static Stream<String> shells() {
        return Stream.of("dash", "bash")
                .filter(shell -> Stream.of(System.getenv("PATH").split(":"))
                        .anyMatch(path -> Files.isExecutable(Path.of(path, shell))));
    }

    @BeforeEach
    void startLivenessEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/q/health/live", exchange -> {
            polls.incrementAndGet();
            exchange.sendResponseHeaders(liveness.get(), -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopLivenessEndpoint() {
        server.stop(0);
    }

    @ParameterizedTest
    @MethodSource("shells")
    void stopsAServiceWhoseLivenessKeepsFailingAndExitsNonZero(String shell) throws Exception {
        Process watchdog = start(shell, SERVICE);
        awaitPolls(3);
        assertThat(watchdog.isAlive())
                .as("the watchdog while the service is live")
                .isTrue();

        liveness.set(503);
        assertThat(watchdog.waitFor(10, TimeUnit.SECONDS))
                .as("the watchdog ends after 3 failed polls")
                .isTrue();
        assertThat(watchdog.exitValue())
                .as("exit status (the service's own, 7)")
                .isEqualTo(7);
        assertThat(stderr()).contains("failed (3 of 3 in a row)", "stopping the service");
    }

    @ParameterizedTest
    @MethodSource("shells")
    void leavesAServiceThatHasNotAnsweredYetAlone(String shell) throws Exception {
        liveness.set(503);
        Process watchdog = start(shell, SERVICE);
        awaitPolls(10);
        assertThat(watchdog.isAlive())
                .as("a service still starting, after 10 failed polls")
                .isTrue();
        assertThat(stderr()).doesNotContain("stopping the service");
        watchdog.destroy();
        assertThat(watchdog.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("shells")
    void passesSigtermOnAndExitsWithTheServicesStatus(String shell) throws Exception {
        Process watchdog = start(shell, SERVICE);
        awaitPolls(1);
        watchdog.destroy(); // SIGTERM, as docker stop sends
        assertThat(watchdog.waitFor(10, TimeUnit.SECONDS))
                .as("the watchdog ends with its service")
                .isTrue();
        assertThat(watchdog.exitValue())
                .as("exit status: the service's answer to SIGTERM")
                .isEqualTo(7);
    }

    @ParameterizedTest
    @MethodSource("shells")
    void exitsWhenTheServiceExitsByItself(String shell) throws Exception {
        Process watchdog = start(shell, List.of("sh", "-c", "sleep 0.3; exit 3"));
        assertThat(watchdog.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(watchdog.exitValue()).as("exit status: the service's").isEqualTo(3);
    }

    private Process start(String shell, List<String> service) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                shell,
                SCRIPT.toString(),
                "http://127.0.0.1:" + server.getAddress().getPort() + "/q/health/live"));
        command.addAll(service);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile());
        builder.environment().put("LIVENESS_WATCHDOG_INTERVAL", "0.1");
        builder.environment().put("LIVENESS_WATCHDOG_GRACE", "5");
        return builder.start();
    }

    private void awaitPolls(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int from = polls.get();
        while (polls.get() < from + count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(polls.get() - from).as("liveness polls seen").isGreaterThanOrEqualTo(count);
    }

    private String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
    }
}

package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, the short chaos CI runs (issue 20, item 7): the local stack with the broker
 * as a child process, two minutes of images through ingest and Kafka with every hostile class,
 * every fault injected (the broker pause shortened to 30 s), then the backlog drained. Fails on
 * any acknowledged input lost. About four minutes on two cores.
 */
class ChaosIT {

    @TempDir
    Path work;

    @Test
    @SuppressWarnings("unchecked")
    void twoMinutesOfChaosLoseNothing() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(console, System.out), true);
        // fixed ports below Linux's ephemeral range (32768-60999), so no client socket can be holding them
        Arguments arguments = Arguments.parse(new String[] {
            "--minutes",
            "2",
            "--work",
            work.resolve("stack").toString(),
            "--base-port",
            "21380",
            "--drain-seconds",
            "150"
        });
        Map<String, Object> report = new ChaosCommand(arguments, out).check();
        System.out.println(Json.write(report));

        assertThat((Map<String, Integer>) report.get("faults"))
                .as("faults injected")
                .containsKeys(
                        "worker-sigkill",
                        "broker-sigstop",
                        "push-without-token",
                        "push-with-bad-token",
                        "fake-worker-registration",
                        "trainer-sigkill-mid-rollout",
                        "rollback");
        assertThat(((Number) report.get("acknowledged")).longValue())
                .as("acknowledged inputs")
                .isGreaterThan(100);
        assertThat(((Number) report.get("lost")).longValue())
                .as("acknowledged inputs lost; the run:\n%s", console)
                .isZero();
    }

    /** Writes to the console and keeps a copy for the failure message. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int value) throws java.io.IOException {
            a.write(value);
            b.write(value);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            a.write(bytes, offset, length);
            b.write(bytes, offset, length);
        }
    }
}

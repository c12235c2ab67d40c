package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, {@code ./alexstream demo} on a reduced dataset (10,000 training and 1,000
 * test images of Fashion-MNIST, one worker) inside the CI budget: two versions rolled out,
 * nothing lost, the bad records dead-lettered, an accuracy floor, and the report written.
 */
class DemoIT {

    @TempDir
    Path work;

    @Test
    void aReducedDemoLosesNothingAndLearns() throws Exception {
        String root = Path.of(System.getProperty("alexstream.root", "../.."))
                .toAbsolutePath()
                .normalize()
                .toString();
        System.setProperty("alexstream.root", root);
        Arguments arguments = Arguments.parse(new String[] {
            "--work",
            work.toString(),
            "--workers",
            "1",
            "--train",
            "10000",
            "--test",
            "1000",
            "--first-round-epochs",
            "3",
            "--epochs-per-round",
            "3",
            "--kafka-port",
            "0",
            "--base-port",
            "21280",
            "--data",
            System.getProperty("fashion.mnist.dir", "/usr/share/datasets/fashion-mnist")
        });
        Map<String, Object> result =
                DemoCommand.create(arguments, new PrintStream(System.out, true)).demo();
        assertThat(result.get("dataset")).isEqualTo("fashion-mnist");
        assertThat(result.get("lost")).isEqualTo(0L);
        assertThat(result.get("answered")).isEqualTo(1000L);
        assertThat(result.get("dead_lettered")).isEqualTo(DemoCommand.BAD_RECORDS);
        assertThat((Integer) result.get("versions")).isGreaterThanOrEqualTo(2);
        assertThat((Double) result.get("top1"))
                .as("top-1 on 1,000 test images after 10,000 training images")
                .isGreaterThan(0.6);
        assertThat((Double) result.get("top1_center")).isGreaterThan(0.6);
        assertThat(Files.readString(Path.of((String) result.get("report")))).contains("id=\"confusion\"");
        assertThat(LocalStack.running(work)).isEmpty();
    }
}

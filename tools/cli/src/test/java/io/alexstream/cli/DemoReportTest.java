package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.Profiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: unit plus a real browser. The demo's HTML report is written from results and opened
 * in headless Chromium (Debian package {@code chromium}, which {@code .ci/run} installs) with
 * the network off: it renders its tables, chart and image grid, with wrong answers marked.
 */
class DemoReportTest {

    @TempDir
    Path dir;

    @Test
    void theReportRendersInHeadlessChromiumWithoutANetwork() throws Exception {
        List<Sample> test = DemoDatasets.generated("test", 60, 5);
        Map<String, Integer> top1 = new HashMap<>();
        for (Sample sample : test) {
            // every fifth answer wrong
            top1.put(
                    sample.id(),
                    Integer.parseInt(sample.id().substring(5)) % 5 == 0 ? (sample.label() + 1) % 10 : sample.label());
        }
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (int v = 1; v <= 2; v++) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("version", (long) v);
            point.put("seconds", 100.0 * v);
            point.put("holdout", Map.of("top1", 0.7 + v / 10.0, "top5", 0.99, "top1_center", 0.7));
            point.put("loss", 1.0 / v);
            timeline.add(point);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dataset", "generated");
        result.put("seconds", 321.0);
        result.put("sent", 60);
        result.put("answered", 60L);
        result.put("lost", 0L);
        result.put("duplicates", 0L);
        result.put("dead_lettered", 5);
        result.put("versions", 2);
        result.put("top1", 0.8);
        result.put("top5", 0.99);
        result.put("top1_center", 0.78);
        result.put("per_version", timeline);
        int[][] confusion = new int[10][10];
        confusion[3][3] = 40;
        confusion[3][4] = 8;
        result.put("confusion", confusion);
        result.put("class_names", Profiles.small().classNames());
        Path report = dir.resolve("report.html");
        DemoReport.write(report, result, new Dataset("generated", List.of(), test), top1, timeline);

        String html = Files.readString(report);
        assertThat(html).doesNotContain("http://", "https://").as("no network: everything inline");

        Path chromium = Path.of("/usr/bin/chromium");
        assertThat(Files.isExecutable(chromium))
                .as("headless Chromium (apt-get install chromium; .ci/run does)")
                .isTrue();
        Process process = new ProcessBuilder(
                        chromium.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--proxy-server=127.0.0.1:9",
                        "--user-data-dir=" + dir.resolve("profile"),
                        "--dump-dom",
                        report.toUri().toString())
                .redirectError(dir.resolve("chromium.log").toFile())
                .start();
        String dom = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(dom).contains("id=\"versions\"", "id=\"confusion\"", "id=\"chart\"", "<polyline");
        assertThat(dom.split("class=\"cell wrong\"", -1).length - 1)
                .as("wrong answers marked")
                .isEqualTo(10);
        assertThat(dom.split("data:image/png;base64,", -1).length - 1).isEqualTo(DemoReport.GRID_IMAGES);

        Path screenshot = dir.resolve("report.png");
        Process shot = new ProcessBuilder(
                        chromium.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--proxy-server=127.0.0.1:9",
                        "--user-data-dir=" + dir.resolve("profile2"),
                        "--window-size=1200,1600",
                        "--screenshot=" + screenshot,
                        report.toUri().toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("shot.log").toFile())
                .start();
        assertThat(shot.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.size(screenshot))
                .as("a rendered page, not a blank one")
                .isGreaterThan(20_000);
    }
}

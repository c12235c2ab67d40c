package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain, with Prometheus's own checker ({@code promtool}, Debian package
 * {@code prometheus}, which {@code .ci/run} installs). The scrape configurations and the alert
 * rules are valid, and the rules' unit tests in {@code alerts_test.yml} pass: each alert fires on
 * the series that should trigger it and stays quiet next to healthy ones.
 */
class PrometheusRulesTest {

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path dir;

    @Test
    void scrapeConfigurationsAreValidAndLoadTheRules() throws Exception {
        Path prometheus = RepositoryFiles.root().resolve("deploy/prometheus");
        for (String config : List.of("prometheus.yml", "prometheus-local.yml")) {
            Result check = promtool(prometheus, "check", "config", config);
            assertThat(check.exitCode())
                    .as("promtool check config %s:%n%s", config, check.output())
                    .isZero();
            assertThat(check.output()).as("%s loads the alert rules", config).contains("SUCCESS: 1 rule files found");
        }
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        Path prometheus = RepositoryFiles.root().resolve("deploy/prometheus");
        Result check = promtool(prometheus, "check", "rules", "alerts.yml");
        assertThat(check.exitCode())
                .as("promtool check rules:%n%s", check.output())
                .isZero();
        Result tests = promtool(prometheus, "test", "rules", "alerts_test.yml");
        assertThat(tests.exitCode())
                .as("promtool test rules:%n%s", tests.output())
                .isZero();
        assertThat(tests.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestThatExpectsItToFire() throws Exception {
        Path prometheus = RepositoryFiles.root().resolve("deploy/prometheus");
        List<String> alerts = values(Files.readAllLines(prometheus.resolve("alerts.yml")), "- alert:");
        String tests = Files.readString(prometheus.resolve("alerts_test.yml"));
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        for (String alert : alerts) {
            assertThat(tests)
                    .as("a firing test for %s", alert)
                    .containsPattern("alertname: " + alert + "\\s+exp_alerts:\\s+- exp_labels");
        }
    }

    @Test
    void everyAlertQueriesMetricsTheServicesExportAndSaysWhatToDo() throws Exception {
        JsonNode rules = new YAMLMapper()
                .readTree(RepositoryFiles.root()
                        .resolve("deploy/prometheus/alerts.yml")
                        .toFile());
        Set<String> exported = ServiceMetricNames.exported();
        List<JsonNode> alerts = new ArrayList<>();
        rules.path("groups").forEach(group -> group.path("rules").forEach(alerts::add));
        assertThat(alerts).as("alert rules").isNotEmpty().allSatisfy(rule -> {
            String alert = rule.path("alert").asText();
            assertThat(ServiceMetricNames.unknownIn(rule.path("expr").asText(), exported))
                    .as("metrics %s queries that no service exports (misspelled or renamed?)", alert)
                    .isEmpty();
            assertThat(rule.path("labels").path("severity").asText())
                    .as("severity of %s", alert)
                    .isIn("warning", "critical");
            assertThat(rule.path("annotations").path("summary").asText())
                    .as("summary of %s", alert)
                    .isNotBlank();
            assertThat(rule.path("annotations").path("description").asText())
                    .as("description of %s: what it means, what to check", alert)
                    .isNotBlank();
        });
    }

    @Test
    void theMetricNameCheckCatchesAMisspelledName() {
        Set<String> exported = ServiceMetricNames.exported();
        assertThat(exported)
                .as("names read from the services' sources")
                .contains(
                        "alexstream_worker_publish_retries_total",
                        "alexstream_worker_kafka_oldest_unanswered_seconds",
                        "alexstream_trainer_worker_version",
                        "alexstream_worker_inference_duration_seconds_bucket");
        assertThat(ServiceMetricNames.unknownIn(
                        "rate(alexstream_worker_publish_retry_total[5m]) > 0 and "
                                + "alexstream_worker_kafka_oldest_unanswered_seconds"
                                + "{job=\"alexstream-worker\"} > 1",
                        exported))
                .containsExactly("alexstream_worker_publish_retry_total");
    }

    @Test
    void theUnitTestsCatchABrokenRule() throws Exception {
        // the same tests against a rule whose threshold was loosened must fail, or they prove nothing
        Path prometheus = RepositoryFiles.root().resolve("deploy/prometheus");
        String rules = Files.readString(prometheus.resolve("alerts.yml"));
        String broken = rules.replace(
                "expr: alexstream_trainer_rollout_state == 3", "expr: alexstream_trainer_rollout_state == 4");
        assertThat(broken).isNotEqualTo(rules);
        Files.writeString(dir.resolve("alerts.yml"), broken);
        Files.copy(prometheus.resolve("alerts_test.yml"), dir.resolve("alerts_test.yml"));
        Result tests = promtool(dir, "test", "rules", "alerts_test.yml");
        assertThat(tests.exitCode())
                .as("promtool test rules on a broken rule:%n%s", tests.output())
                .isNotZero();
        assertThat(tests.output()).contains("AlexstreamRolloutFailed");
    }

    private static List<String> values(List<String> lines, String key) {
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            String trimmed = line.trim();
            if (trimmed.startsWith(key)) {
                values.add(trimmed.substring(key.length()).trim());
            }
        }
        return values;
    }

    record Result(int exitCode, String output) {}

    static Result promtool(Path workingDirectory, String... arguments) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(PROMTOOL))
                .as("promtool (apt-get install prometheus; .ci/run does)")
                .isTrue();
        List<String> command = new ArrayList<>();
        command.add(PROMTOOL.toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("promtool finished")
                .isTrue();
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}

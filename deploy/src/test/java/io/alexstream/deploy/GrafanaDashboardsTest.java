package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain. The Grafana material is loadable as provisioned: every dashboard is JSON with a
 * unique uid, every panel and annotation queries the provisioned Prometheus data source by its uid with
 * a PromQL expression over metrics the services export ({@link ServiceMetricNames}), panels do not
 * overlap, and the dashboard provider reads the folder that docker-compose.yml mounts. (That
 * each expression evaluates is PrometheusScrapeIT's job.)
 */
class GrafanaDashboardsTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    @Test
    void everyPanelQueriesTheProvisionedPrometheusWithPromql() throws Exception {
        Path grafana = RepositoryFiles.root().resolve("deploy/grafana");
        JsonNode datasource = yaml.readTree(grafana.resolve("provisioning/datasources/prometheus.yml")
                        .toFile())
                .path("datasources")
                .get(0);
        assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
        String uid = datasource.path("uid").asText();
        assertThat(uid).isNotBlank();

        Set<String> dashboardUids = new HashSet<>();
        Set<String> exported = ServiceMetricNames.exported();
        List<Path> dashboards = dashboards(grafana);
        assertThat(dashboards)
                .extracting(p -> p.getFileName().toString())
                .contains("pipeline.json", "workers.json", "trainer.json");
        for (Path file : dashboards) {
            JsonNode dashboard = json.readTree(file.toFile());
            assertThat(dashboardUids.add(dashboard.path("uid").asText()))
                    .as("%s has a unique uid", file.getFileName())
                    .isTrue();
            assertThat(dashboard.path("title").asText())
                    .as("%s title", file.getFileName())
                    .isNotBlank();
            for (JsonNode annotation : dashboard.path("annotations").path("list")) {
                String where = file.getFileName() + " / annotation "
                        + annotation.path("name").asText();
                assertThat(annotation.path("datasource").path("uid").asText())
                        .as("%s data source", where)
                        .isEqualTo(uid);
                assertThat(annotation.path("expr").asText())
                        .as("%s PromQL", where)
                        .isNotBlank();
                assertThat(ServiceMetricNames.unknownIn(annotation.path("expr").asText(), exported))
                        .as("%s: metrics no service exports (misspelled or renamed?)", where)
                        .isEmpty();
            }
            JsonNode panels = dashboard.path("panels");
            assertThat(panels.size()).as("%s panels", file.getFileName()).isGreaterThanOrEqualTo(6);
            List<int[]> boxes = new ArrayList<>();
            for (JsonNode panel : panels) {
                String where = file.getFileName() + " / " + panel.path("title").asText();
                assertThat(panel.path("datasource").path("uid").asText())
                        .as("%s data source", where)
                        .isEqualTo(uid);
                assertThat(panel.path("targets").size()).as("%s queries", where).isPositive();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("expr").asText())
                            .as("%s PromQL", where)
                            .isNotBlank();
                    assertThat(ServiceMetricNames.unknownIn(target.path("expr").asText(), exported))
                            .as("%s: metrics no service exports (misspelled or renamed?)", where)
                            .isEmpty();
                    assertThat(target.path("datasource").path("uid").asText())
                            .as("%s target data source", where)
                            .isEqualTo(uid);
                }
                JsonNode grid = panel.path("gridPos");
                int[] box = {
                    grid.path("x").asInt(),
                    grid.path("y").asInt(),
                    grid.path("w").asInt(),
                    grid.path("h").asInt()
                };
                assertThat(box[0] + box[2])
                        .as("%s fits the 24-column grid", where)
                        .isLessThanOrEqualTo(24);
                for (int[] other : boxes) {
                    boolean overlap = box[0] < other[0] + other[2]
                            && other[0] < box[0] + box[2]
                            && box[1] < other[1] + other[3]
                            && other[1] < box[1] + box[3];
                    assertThat(overlap).as("%s overlaps another panel", where).isFalse();
                }
                boxes.add(box);
            }
        }
    }

    @Test
    void theLiveEvaluationAndTheReviewRoutingHaveTheirPanels() throws Exception {
        Path dashboards = RepositoryFiles.root().resolve("deploy/grafana/dashboards");
        JsonNode trainer = json.readTree(dashboards.resolve("trainer.json").toFile());
        assertThat(expressions(trainer.path("panels")))
                .anyMatch(e -> e.contains("alexstream_evaluation_top1"))
                .anyMatch(e -> e.contains("alexstream_evaluation_labels_total") && e.contains("by (outcome)"))
                .anyMatch(e -> e.contains("alexstream_evaluation_review_copies_total"))
                .anyMatch(e -> e.contains("alexstream_evaluation_running"))
                .anyMatch(e -> e.contains("alexstream_evaluation_restarts_total"))
                .anyMatch(e -> e.contains("alexstream_evaluation_shadow_agreement") && e.contains("by (version)"))
                .as("the drift alert's recent live top-1, beside the holdout's")
                .anyMatch(e -> e.contains("delta(alexstream_evaluation_serving_labelled[5m])"));
        assertThat(trainer.path("annotations").path("list").findValuesAsText("expr"))
                .as("the automatic rollbacks marked on the trainer's panels, live top-1 among them")
                .anyMatch(e -> e.contains("alexstream_trainer_auto_rollbacks_total"));
        JsonNode workers = json.readTree(dashboards.resolve("workers.json").toFile());
        assertThat(expressions(workers.path("panels")))
                .anyMatch(e -> e.contains("alexstream_worker_review_routed_total") && e.contains("by (worker)"))
                .anyMatch(e ->
                        e.contains("alexstream_worker_review_skipped_total") && e.contains("reason=\"rate_limit\""));
    }

    @Test
    void theDashboardProviderReadsTheFolderComposeMounts() throws Exception {
        Path root = RepositoryFiles.root();
        JsonNode provider = yaml.readTree(root.resolve("deploy/grafana/provisioning/dashboards/alexstream.yml")
                        .toFile())
                .path("providers")
                .get(0);
        String path = provider.path("options").path("path").asText();
        JsonNode volumes = yaml.readTree(root.resolve("docker-compose.yml").toFile())
                .path("services")
                .path("grafana")
                .path("volumes");
        List<String> mounts = new ArrayList<>();
        volumes.forEach(v -> mounts.add(
                v.isTextual()
                        ? v.asText()
                        : v.path("source").asText() + ":" + v.path("target").asText()));
        assertThat(mounts)
                .as("grafana volumes")
                .anySatisfy(m -> assertThat(m).startsWith("./deploy/grafana/dashboards:" + path));
        assertThat(mounts)
                .anySatisfy(m -> assertThat(m).startsWith("./deploy/grafana/provisioning:/etc/grafana/provisioning"));
    }

    private static List<String> expressions(JsonNode panels) {
        List<String> expressions = new ArrayList<>();
        panels.forEach(panel -> panel.path("targets")
                .forEach(t -> expressions.add(t.path("expr").asText())));
        return expressions;
    }

    private static List<Path> dashboards(Path grafana) throws Exception {
        try (var files = Files.list(grafana.resolve("dashboards"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }
}

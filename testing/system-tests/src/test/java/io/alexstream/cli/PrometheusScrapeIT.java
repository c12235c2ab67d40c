package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration with a real Prometheus (the Debian package's binary, which {@code .ci/run}
 * installs) scraping the local stack (broker, trainer, ingest and a worker as processes) with
 * the shipped {@code deploy/prometheus/prometheus-local.yml} and {@code alerts.yml}, only the
 * ports moved. After some traffic (images over HTTP, a bad record straight to Kafka, gRPC
 * Classify calls), the key series exist, the rules load and evaluate without error, and every
 * PromQL expression of the alert rules and the Grafana dashboards parses and returns data, or
 * an empty vector exactly where this healthy, untrained-since-start stack should give none
 * (a dashboard annotation's, which marks rollbacks, may be empty).
 */
class PrometheusScrapeIT {

    static final int BASE_PORT = 21380;
    static final int PROMETHEUS_PORT = 21390;

    /**
     * Expressions that must be empty here: alerts of a healthy stack, and what only training rounds or pushes produce.
     */
    static final Set<String> EXPECTED_EMPTY_ALERTS = Set.of(
            "AlexstreamServiceDown",
            "AlexstreamWorkerHasNoModel",
            "AlexstreamNoWorkerServing",
            "AlexstreamConsumerLagGrowing",
            "AlexstreamIngestCannotPublish",
            "AlexstreamInferenceP99OverBudget",
            "AlexstreamRolloutFailed",
            "AlexstreamRolloutStuck",
            "AlexstreamWorkersOnDifferentVersions",
            "AlexstreamServingAccuracyBelowBest",
            "AlexstreamCandidatesKeepFailing",
            "AlexstreamWorkerAnswersLate",
            "AlexstreamWorkerPublishRetrying",
            "AlexstreamRecordHandlingFailed",
            "AlexstreamLabeledRecordsRefused",
            "AlexstreamWorkersNotConverged",
            "AlexstreamLiveAccuracyDrop",
            "AlexstreamAutoRollback",
            "AlexstreamEvaluatorDown",
            "AlexstreamLiveAccuracyBelowHoldout");
    /** One bad record among a handful of images is far above the 5% dead-letter budget. */
    static final Set<String> EXPECTED_FIRING_ALERTS = Set.of("AlexstreamDeadLetterRateHigh");
    /**
     * Only a Sync the trainer sends creates the push series (per worker and result): a worker that pulled the current
     * version by itself at start-up never needs one. Only late labels create the live figures per version (and the
     * serving version's), only shadow workers the shadow agreement.
     */
    static final List<String> MAYBE_EMPTY_PANEL_METRICS = List.of(
            "alexstream_trainer_push_duration_seconds",
            "alexstream_evaluation_top1",
            "alexstream_evaluation_serving_labelled",
            "alexstream_evaluation_shadow_agreement");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path work;

    @Test
    void prometheusScrapesEveryServiceAndEveryDashboardAndAlertExpressionEvaluates() throws Exception {
        Path root = Path.of(System.getProperty("alexstream.root", "../.."))
                .toAbsolutePath()
                .normalize();
        Path prometheusBinary = Path.of("/usr/bin/prometheus");
        assertThat(Files.isExecutable(prometheusBinary))
                .as("prometheus (apt-get install prometheus; .ci/run does)")
                .isTrue();
        SeedVersion.write(
                work.resolve("trainer"), Map.of("top1", 0.42, "top5", 0.81, "top1_center", 0.40, "top5_center", 0.79));
        StackOptions options = new StackOptions(root, work, 1, "small", 0, BASE_PORT, Map.of());
        try (LocalStack stack = LocalStack.start(options, new PrintStream(new ByteArrayOutputStream(), true))) {
            stack.workers().get(0).awaitReady(Duration.ofSeconds(120));
            Path config = prometheusConfig(root);
            Process prometheus = new ProcessBuilder(
                            prometheusBinary.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + work.resolve("prometheus-data"),
                            "--web.listen-address=127.0.0.1:" + PROMETHEUS_PORT)
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("prometheus.log").toFile())
                    .start();
            try {
                // the counters' zero must be scraped before the traffic, or rate() has no increase to see
                awaitSeries("count(up == 1) == 3", Duration.ofSeconds(60));
                Thread.sleep(1500);
                sendTraffic(stack);
                awaitSeries("sum(alexstream_worker_images_classified_total) >= 9", Duration.ofSeconds(90));
                awaitSeries("sum(alexstream_worker_dead_letters_total) >= 1", Duration.ofSeconds(60));
                // two more scrapes after the last answers, so rate() windows see the increase
                Thread.sleep(3000);

                for (String job : List.of("alexstream-ingest", "alexstream-worker", "alexstream-trainer")) {
                    assertThat(values("up{job=\"" + job + "\"}"))
                            .as("%s scraped", job)
                            .containsExactly(1.0);
                }
                for (String series : List.of(
                        "alexstream_ingest_images_accepted_total",
                        "alexstream_ingest_images_rejected_total",
                        "alexstream_ingest_publish_duration_seconds_bucket",
                        "alexstream_worker_images_classified_total{source=\"kafka\"}",
                        "alexstream_worker_images_classified_total{source=\"grpc\"}",
                        "alexstream_worker_inference_duration_seconds_bucket",
                        "alexstream_worker_queue_wait_seconds_bucket",
                        "alexstream_worker_preprocess_duration_seconds_bucket",
                        "alexstream_worker_batch_size_count",
                        "alexstream_worker_batch_limit",
                        "alexstream_worker_crops_total",
                        "alexstream_worker_dead_letters_total",
                        "alexstream_worker_model_info{version=\"1\"}",
                        "alexstream_worker_device_info{device=\"cpu\"}",
                        "kafka_consumer_fetch_manager_records_lag_max{job=\"alexstream-worker\"}",
                        "grpc_server_processing_duration_seconds_count{service=\"alexstream.v1.Classifier\"}",
                        "grpc_server_processing_duration_seconds_count{service=\"alexstream.v1.ModelRegistry\"}",
                        "alexstream_trainer_model_version",
                        "alexstream_trainer_examples",
                        "alexstream_trainer_rollout_state",
                        "alexstream_trainer_holdout_accuracy{version=\"1\",metric=\"top1\"}",
                        "alexstream_trainer_serving_holdout_accuracy{metric=\"top1\"}",
                        "alexstream_evaluation_running",
                        "alexstream_evaluation_labels_total{outcome=\"joined\"}",
                        "alexstream_worker_review_routed_total{reason=\"low_top1\"}",
                        "alexstream_worker_review_skipped_total{reason=\"rate_limit\"}")) {
                    assertThat(query(series).size()).as("series %s", series).isPositive();
                }
                assertThat(values("alexstream_worker_model_version")).containsExactly(1.0);

                JsonNode groups = get("/api/v1/rules").path("data").path("groups");
                List<String> loaded = new ArrayList<>();
                for (JsonNode group : groups) {
                    for (JsonNode rule : group.path("rules")) {
                        loaded.add(rule.path("name").asText());
                        assertThat(rule.path("health").asText())
                                .as(
                                        "rule %s: %s",
                                        rule.path("name").asText(),
                                        rule.path("lastError").asText())
                                .isEqualTo("ok");
                    }
                }
                assertThat(loaded)
                        .containsExactlyInAnyOrderElementsOf(union(EXPECTED_EMPTY_ALERTS, EXPECTED_FIRING_ALERTS));

                Map<String, String> alerts = alertExpressions(root.resolve("deploy/prometheus/alerts.yml"));
                assertThat(alerts.keySet()).containsExactlyInAnyOrderElementsOf(loaded);
                for (var alert : alerts.entrySet()) {
                    JsonNode result = query(alert.getValue());
                    if (EXPECTED_FIRING_ALERTS.contains(alert.getKey())) {
                        assertThat(result.size())
                                .as("%s fires on this stack: %s", alert.getKey(), alert.getValue())
                                .isPositive();
                    } else {
                        assertThat(result.size())
                                .as("%s quiet on a healthy stack: %s -> %s", alert.getKey(), alert.getValue(), result)
                                .isZero();
                    }
                }

                int panels = 0;
                for (Path dashboard : dashboards(root)) {
                    JsonNode board = json.readTree(dashboard.toFile());
                    for (JsonNode annotation : board.path("annotations").path("list")) {
                        // the rollback marks need a rollback: the expression must evaluate, and may be empty here
                        query(annotation.path("expr").asText());
                    }
                    for (JsonNode target : board.findValues("targets")) {
                        for (JsonNode t : target) {
                            String expr = t.path("expr").asText();
                            String promql = expr.replace("$__rate_interval", "1m")
                                    .replace("$__range", "10m")
                                    .replace("$worker", ".*");
                            JsonNode result = query(promql);
                            if (MAYBE_EMPTY_PANEL_METRICS.stream().noneMatch(expr::contains)) {
                                assertThat(result.size())
                                        .as("%s: %s -> %s", dashboard.getFileName(), expr, result)
                                        .isPositive();
                            }
                            panels++;
                        }
                    }
                }
                assertThat(panels).as("dashboard queries checked").isGreaterThanOrEqualTo(25);
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /** The shipped local configuration with the test's ports, one worker, and scrapes every second. */
    private Path prometheusConfig(Path root) throws Exception {
        Path source = root.resolve("deploy/prometheus");
        String config = Files.readString(source.resolve("prometheus-local.yml"))
                .replace("scrape_interval: 5s", "scrape_interval: 1s")
                .replace("evaluation_interval: 5s", "evaluation_interval: 1s")
                .replace(", \"127.0.0.1:8083\"", "")
                .replace("127.0.0.1:8080", "127.0.0.1:" + BASE_PORT)
                .replace("127.0.0.1:8081", "127.0.0.1:" + (BASE_PORT + 1))
                .replace("127.0.0.1:8082", "127.0.0.1:" + (BASE_PORT + 2));
        assertThat(config).doesNotContain("127.0.0.1:808");
        Path dir = Files.createDirectories(work.resolve("prometheus-config"));
        Files.copy(source.resolve("alerts.yml"), dir.resolve("alerts.yml"));
        return Files.writeString(dir.resolve("prometheus.yml"), config);
    }

    private void sendTraffic(LocalStack stack) throws Exception {
        List<Sample> samples = DemoDatasets.generated("prom", 9, 3);
        for (Sample sample : samples.subList(0, 6)) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + BASE_PORT + "/v1/images"))
                            .header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(sample.png()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        }
        HttpResponse<String> refused = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + BASE_PORT + "/v1/images"))
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(415);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("images", "prom-bad", "not an image".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + StackOptions.grpcPort(BASE_PORT + 1))
                .usePlaintext()
                .build();
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            for (Sample sample : samples.subList(6, 9)) {
                assertThat(classifier
                                .withDeadlineAfter(60, TimeUnit.SECONDS)
                                .classify(ClassifyRequest.newBuilder()
                                        .setImageId(sample.id())
                                        .setImage(ByteString.copyFrom(sample.png()))
                                        .build())
                                .getPrediction()
                                .getModelVersion())
                        .isEqualTo(1L);
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void awaitSeries(String promql, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (query(promql).size() > 0) {
                    return;
                }
            } catch (java.io.IOException notYetListening) {
                // Prometheus is still starting
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "no data for " + promql + " within " + timeout + "; see " + work.resolve("prometheus.log"));
    }

    private List<Double> values(String promql) throws Exception {
        List<Double> values = new ArrayList<>();
        query(promql).forEach(sample -> values.add(sample.path("value").path(1).asDouble()));
        return values;
    }

    /** The instant vector for an expression; the query must parse and evaluate. */
    private JsonNode query(String promql) throws Exception {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertThat(answer.path("status").asText()).as("%s: %s", promql, answer).isEqualTo("success");
        JsonNode data = answer.path("data");
        assertThat(data.path("resultType").asText())
                .as("%s returns an instant vector", promql)
                .isEqualTo("vector");
        return data.path("result");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PROMETHEUS_PORT + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body());
    }

    /** Alert name to expression, read from the rules file (folded `>` blocks joined into one line). */
    static Map<String, String> alertExpressions(Path rules) throws Exception {
        Map<String, String> expressions = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(rules);
        Pattern alert = Pattern.compile("^\\s*- alert:\\s*(\\S+)");
        String name = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = alert.matcher(lines.get(i));
            if (m.find()) {
                name = m.group(1);
                continue;
            }
            String line = lines.get(i).trim();
            if (name != null && line.startsWith("expr:")) {
                String expr = line.substring("expr:".length()).trim();
                if (expr.equals(">")) {
                    int indent = lines.get(i + 1).indexOf(lines.get(i + 1).trim());
                    StringBuilder folded = new StringBuilder();
                    for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(" ".repeat(indent)); j++) {
                        folded.append(lines.get(j).trim()).append(' ');
                    }
                    expr = folded.toString().trim();
                }
                expressions.put(name, expr);
                name = null;
            }
        }
        return expressions;
    }

    private static List<Path> dashboards(Path root) throws Exception {
        try (var files = Files.list(root.resolve("deploy/grafana/dashboards"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}

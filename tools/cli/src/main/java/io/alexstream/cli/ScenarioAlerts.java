package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.local.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's {@code prometheus}, when installed) scraping the scenario's stack every 5 s with the
 * shipped {@code deploy/prometheus/alerts.yml}, so a scenario can say which of its alerts fired and when. Without the
 * binary it reports that and watches nothing.
 */
final class ScenarioAlerts implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/prometheus");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Double> firedAt = new LinkedHashMap<>();
    private final long started;
    private final Consumer<String> onFiring;
    private final Process prometheus;
    private final URI alerts;
    private final Thread watcher;
    private volatile boolean running = true;

    private ScenarioAlerts(Process prometheus, int port, long started, Consumer<String> onFiring) {
        this.prometheus = prometheus;
        this.alerts = URI.create("http://127.0.0.1:" + port + "/api/v1/alerts");
        this.started = started;
        this.onFiring = onFiring;
        this.watcher = new Thread(this::watch, "scenario-alerts");
        watcher.setDaemon(true);
        if (prometheus != null) {
            watcher.start();
        }
    }

    /**
     * Starts Prometheus on {@code port} for the stack's services, or returns a watcher of nothing when the binary is
     * missing. {@code onFiring} hears each alert's name the first time it fires.
     */
    static ScenarioAlerts start(LocalStack stack, int port, long started, Consumer<String> onFiring)
            throws IOException {
        if (!Files.isExecutable(BINARY)) {
            return new ScenarioAlerts(null, port, started, onFiring);
        }
        // a fresh database: an earlier scenario's series would fire its alerts again in this one
        io.alexstream.local.FileTrees.delete(stack.work().resolve("prometheus-scenario"));
        Path dir = Files.createDirectories(stack.work().resolve("prometheus-scenario"));
        Path source = stack.options().root().resolve("deploy/prometheus");
        Files.copy(
                source.resolve("alerts.yml"),
                dir.resolve("alerts.yml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String config = "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n"
                + "rule_files:\n  - alerts.yml\nscrape_configs:\n"
                + job("alexstream-ingest", List.of(stack.ingest()))
                + job("alexstream-worker", stack.workers())
                + job("alexstream-trainer", List.of(stack.trainer()));
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Process process = new ProcessBuilder(
                        BINARY.toString(),
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        return new ScenarioAlerts(process, port, started, onFiring);
    }

    private static String job(String name, List<ServiceProcess> services) {
        return "  - job_name: " + name + "\n    metrics_path: /q/metrics\n    static_configs:\n      - targets: ["
                + services.stream().map(s -> "\"127.0.0.1:" + s.port() + "\"").collect(Collectors.joining(", "))
                + "]\n";
    }

    boolean watching() {
        return prometheus != null;
    }

    private void watch() {
        while (running) {
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(alerts)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                for (JsonNode alert :
                        json.readTree(response.body()).path("data").path("alerts")) {
                    String name = alert.path("labels").path("alertname").asText();
                    if ("firing".equals(alert.path("state").asText()) && !firedAt.containsKey(name)) {
                        synchronized (firedAt) {
                            firedAt.put(name, DemoSummary.round((System.nanoTime() - started) / 1e9));
                        }
                        onFiring.accept(name);
                    }
                }
            } catch (IOException e) {
                // still starting, or busy: asked again on the next turn
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    boolean fired(String name) {
        synchronized (firedAt) {
            return firedAt.containsKey(name);
        }
    }

    /** Each alert that fired, with the scenario's second it was first seen firing. */
    Map<String, Double> fired() {
        synchronized (firedAt) {
            return Map.copyOf(firedAt);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        watcher.interrupt();
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }
}

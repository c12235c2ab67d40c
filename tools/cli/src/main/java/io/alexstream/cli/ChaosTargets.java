package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.local.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code chaos} points: the broker, ingest, the trainer (gRPC and HTTP share its port),
 * the workers (HTTP for metrics, gRPC for pushes), the tokens it may use and the secrets it
 * watches for. From the local stack it started, or from addresses and the environment for a
 * deployment of one's own. Also reads the rollout's state: the trainer's current version and
 * what each worker serves.
 */
final class ChaosTargets {

    /** A worker's two doors. */
    record Worker(String name, URI http, String grpcHost, int grpcPort) {}

    /** The trainer's current version and each worker's served one (-1 before any, absent when it did not answer). */
    record Convergence(long trainerVersion, Map<String, Long> served, List<String> unreachable) {

        /** Every worker that answered serves the trainer's version, and at least one answered. */
        boolean converged() {
            return trainerVersion > 0
                    && !served.isEmpty()
                    && served.values().stream().allMatch(v -> v == trainerVersion);
        }
    }

    private static final Pattern MODEL_VERSION =
            Pattern.compile("(?m)^alexstream_worker_model_version(?:\\{[^}]*})?\\s+(\\S+)");

    private final String bootstrap;
    private final URI ingest;
    private final String trainerHost;
    private final int trainerPort;
    private final List<Worker> workers;
    private final Optional<String> workerToken;
    private final Optional<String> operatorToken;
    private final Map<String, String> secrets;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ObjectMapper json = new ObjectMapper();

    ChaosTargets(
            String bootstrap,
            URI ingest,
            String trainerHost,
            int trainerPort,
            List<Worker> workers,
            Optional<String> workerToken,
            Optional<String> operatorToken,
            Map<String, String> secrets) {
        this.bootstrap = bootstrap;
        this.ingest = ingest;
        this.trainerHost = trainerHost;
        this.trainerPort = trainerPort;
        this.workers = List.copyOf(workers);
        this.workerToken = workerToken;
        this.operatorToken = operatorToken;
        this.secrets = Map.copyOf(secrets);
    }

    static ChaosTargets of(LocalStack stack) {
        List<Worker> workers = new ArrayList<>();
        for (ServiceProcess worker : stack.workers()) {
            workers.add(new Worker(worker.name(), worker.uri(""), "127.0.0.1", worker.grpcPort()));
        }
        StackCredentials tokens = stack.tokens();
        return new ChaosTargets(
                stack.bootstrapServers(),
                stack.ingest().uri(""),
                "127.0.0.1",
                stack.trainer().port(),
                workers,
                Optional.of(tokens.worker()),
                Optional.of(tokens.operator()),
                tokens.all());
    }

    /**
     * {@code --bootstrap HOST:PORT --ingest URL --trainer HOST:PORT --workers-http URL,URL
     * [--workers-grpc HOST:PORT,...]}; tokens from {@code ALEXSTREAM_AUTH_*_TOKEN} in the environment.
     */
    static ChaosTargets of(Arguments arguments, Map<String, String> environment) {
        String trainer = arguments.get("trainer", "localhost:8082");
        List<String> http = split(arguments.get("workers-http", "http://localhost:8081"));
        List<String> grpc = split(arguments.get("workers-grpc", ""));
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < http.size(); i++) {
            URI uri = URI.create(http.get(i));
            String grpcAddress =
                    i < grpc.size() ? grpc.get(i) : uri.getHost() + ":" + StackOptions.grpcPort(uri.getPort());
            workers.add(new Worker("worker-" + (i + 1), uri, host(grpcAddress), port(grpcAddress)));
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        environment.forEach((key, value) -> {
            if (key.startsWith("ALEXSTREAM_AUTH_") && key.endsWith("_TOKEN") && !value.isBlank()) {
                secrets.put(key, value);
            }
        });
        return new ChaosTargets(
                arguments.get("bootstrap", "localhost:9092"),
                URI.create(arguments.get("ingest", "http://localhost:8080")),
                host(trainer),
                port(trainer),
                workers,
                Optional.ofNullable(secrets.get(StackCredentials.WORKER_TOKEN)),
                Optional.ofNullable(secrets.get(StackCredentials.OPERATOR_TOKEN)),
                secrets);
    }

    String bootstrap() {
        return bootstrap;
    }

    URI ingest() {
        return ingest;
    }

    String trainerHost() {
        return trainerHost;
    }

    int trainerPort() {
        return trainerPort;
    }

    List<Worker> workers() {
        return workers;
    }

    Optional<String> workerToken() {
        return workerToken;
    }

    Optional<String> operatorToken() {
        return operatorToken;
    }

    /** Every secret chaos knows of, by name: none may reach an address the trainer did not choose. */
    Map<String, String> secrets() {
        return secrets;
    }

    /** GET {@code /v1/status} on the trainer; null when it does not answer. */
    JsonNode trainerStatus() {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + trainerHost + ":" + trainerPort + "/v1/status"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? json.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    Convergence convergence() {
        JsonNode status = trainerStatus();
        long trainerVersion =
                status == null ? -1 : status.path("current_version").asLong(-1);
        Map<String, Long> served = new LinkedHashMap<>();
        List<String> unreachable = new ArrayList<>();
        for (Worker worker : workers) {
            Long version = servedVersion(worker);
            if (version == null) {
                unreachable.add(worker.name());
            } else {
                served.put(worker.name(), version);
            }
        }
        return new Convergence(trainerVersion, served, unreachable);
    }

    /** {@code alexstream_worker_model_version} from the worker's {@code /q/metrics}; null when it does not answer. */
    private Long servedVersion(Worker worker) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(worker.http().resolve("/q/metrics"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            Matcher matcher = MODEL_VERSION.matcher(response.body());
            return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : -1L;
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static List<String> split(String list) {
        return list.isBlank() ? List.of() : List.of(list.split(","));
    }

    private static String host(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}

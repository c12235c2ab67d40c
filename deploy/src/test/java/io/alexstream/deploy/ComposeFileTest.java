package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit. The root docker-compose.yml, checked offline: CI has no Docker engine, so whatever
 * `docker compose up` would only discover on a GPU host (a missing Dockerfile, a clashing port, a
 * misspelled variable the service silently ignores, a defaulted secret) is caught here.
 */
class ComposeFileTest {

    private static final Path ROOT = RepositoryFiles.root();

    private static final List<String> STACK =
            List.of("kafka", "ingest", "trainer", "worker-1", "worker-2", "prometheus", "grafana");

    /** Compose services that run one of our Quarkus applications, and which module under services/ that is. */
    private static final Map<String, String> APPLICATIONS =
            Map.of("ingest", "ingest", "trainer", "trainer", "worker-1", "worker", "worker-2", "worker");

    /** Framework keys the compose file sets that a service may not spell out in application.properties. */
    private static final Set<String> FRAMEWORK_KEYS = Set.of("quarkus.http.port", "kafka.bootstrap.servers");

    /** Variables the compose file may give an application although they are no config key, and why. */
    private static final Map<String, String> NOT_CONFIG_KEYS = Map.of(
            "TF_CPP_MIN_LOG_LEVEL", "read by TensorFlow's native library, not by Quarkus",
            "TF_CPU_ALLOCATOR_USE_BFC", "read by TensorFlow's native library, not by Quarkus",
            "JAVA_OPTS_APPEND", "read by the images' Java launcher (Red Hat run-java.sh, Dockerfile.gpu's entrypoint)");

    /**
     * The tokens each module's role needs, and no more (docs/security.md): a worker registers and pulls with the
     * worker token; the trainer checks workers, operators and release managers; ingest checks labellers. Nobody holds
     * the trainer token: rollouts call the workers' open Sync, so a worker given one would accept pushes nothing sends.
     */
    static final Map<String, Set<String>> TOKENS_BY_MODULE = Map.of(
            "worker", Set.of("ALEXSTREAM_AUTH_WORKER_TOKEN"),
            "trainer",
                    Set.of(
                            "ALEXSTREAM_AUTH_WORKER_TOKEN",
                            "ALEXSTREAM_AUTH_OPERATOR_TOKEN",
                            "ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN"),
            "ingest", Set.of("ALEXSTREAM_AUTH_LABELLER_TOKEN"));

    /** Where docker-compose.yml mounts deploy/compose/liveness-watchdog.sh, and the repository file. */
    private static final String WATCHDOG_IN_CONTAINER = "/opt/alexstream/liveness-watchdog.sh";

    private static final String WATCHDOG = "deploy/compose/liveness-watchdog.sh";
    /** Restart policies under which a container that exits is started again. */
    private static final Set<String> RESTARTING_POLICIES = Set.of("unless-stopped", "always", "on-failure");
    /** The header's recipe for work/credentials.env: {@code for role in WORKER OPERATOR ...; do}. */
    private static final Pattern TOKEN_RECIPE = Pattern.compile("for role in ([A-Z_ ]+); do");

    private static final Pattern TOKEN_VARIABLE = Pattern.compile("ALEXSTREAM_AUTH_[A-Z0-9_]*TOKEN");
    /** ${NAME:?message}: compose stops with the message when NAME is unset or empty. */
    private static final Pattern REQUIRED_REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_]+):\\?[^}]+}");
    /** [host_ip:]host_port:container_port[/protocol]; a bare container port publishes nothing fixed. */
    private static final Pattern SHORT_PORT = Pattern.compile("^(?:(.+):)?(\\d+):(\\d+)(?:/(tcp|udp))?$");

    private static JsonNode services;
    private static JsonNode namedVolumes;

    @BeforeAll
    static void readComposeFile() throws IOException {
        JsonNode compose =
                new YAMLMapper().readTree(ROOT.resolve("docker-compose.yml").toFile());
        assertThat(compose).as("docker-compose.yml is a YAML mapping").isNotNull();
        services = compose.path("services");
        namedVolumes = compose.path("volumes");
    }

    @Test
    void declaresEveryServiceOfTheStack() {
        assertThat(fieldNames(services)).as("services of docker-compose.yml").containsAll(STACK);
    }

    @Test
    void everyServiceHasAnImageOrABuildWhoseDockerfileExists() {
        services.fields().forEachRemaining(service -> {
            String name = service.getKey();
            JsonNode build = service.getValue().path("build");
            if (build.isMissingNode()) {
                assertThat(service.getValue().path("image").asText())
                        .as("%s has neither build nor image", name)
                        .isNotBlank();
                return;
            }
            String context =
                    build.isTextual() ? build.asText() : build.path("context").asText(".");
            Path contextDir = ROOT.resolve(context).normalize();
            assertThat(contextDir).as("build context of %s", name).isDirectory();
            assertThat(contextDir.resolve(build.path("dockerfile").asText("Dockerfile")))
                    .as("Dockerfile of %s (relative to its context %s)", name, context)
                    .isRegularFile();
        });
    }

    @Test
    void everyBindMountSourceExistsAndEveryNamedVolumeIsDeclared() {
        services.fields().forEachRemaining(service -> {
            for (Mount mount : mounts(service.getValue())) {
                if (mount.isBind()) {
                    assertThat(ROOT.resolve(mount.source()).normalize())
                            .as("bind mount source %s of %s", mount.source(), service.getKey())
                            .exists();
                } else {
                    assertThat(fieldNames(namedVolumes))
                            .as("top-level volumes (named volume of %s)", service.getKey())
                            .contains(mount.source());
                }
            }
        });
    }

    @Test
    void prometheusLoadsItsConfigAndRuleFilesFromTheRepository() throws IOException {
        JsonNode prometheus = services.path("prometheus");
        String configInContainer = stream(prometheus.path("command"))
                .map(JsonNode::asText)
                .filter(argument -> argument.startsWith("--config.file="))
                .map(argument -> argument.substring("--config.file=".length()))
                .findFirst()
                .orElse("/etc/prometheus/prometheus.yml");
        Optional<Path> config = hostPathOf(prometheus, configInContainer);
        assertThat(config)
                .as("a bind mount of prometheus carries %s", configInContainer)
                .isPresent();
        assertThat(config.get()).as("Prometheus config in the repository").isRegularFile();

        // rule file names are relative to the config file's directory in the container
        String configDirInContainer = configInContainer.substring(0, configInContainer.lastIndexOf('/'));
        JsonNode prometheusYml = new YAMLMapper().readTree(config.get().toFile());
        for (JsonNode ruleFile : stream(prometheusYml == null ? null : prometheusYml.path("rule_files"))
                .toList()) {
            String inContainer = ruleFile.asText().startsWith("/")
                    ? ruleFile.asText()
                    : configDirInContainer + "/" + ruleFile.asText();
            Optional<Path> onHost = hostPathOf(prometheus, inContainer);
            assertThat(onHost)
                    .as("rule file %s is inside a bind mount of prometheus", inContainer)
                    .isPresent();
            assertThat(matchingFiles(onHost.get()))
                    .as("rule file %s in the repository", onHost.get())
                    .isNotEmpty();
        }
    }

    @Test
    void publishedHostPortsDoNotClash() {
        Map<String, String> owners = new HashMap<>();
        List<String> clashes = new ArrayList<>();
        services.fields().forEachRemaining(service -> {
            for (Port port : ports(service.getValue())) {
                if (port.published() == null) {
                    continue;
                }
                // docker refuses the second binding of a port even on another address when one is 0.0.0.0;
                // being stricter than that keeps the rule simple
                String key = port.published() + "/" + port.protocol();
                String earlier = owners.putIfAbsent(key, service.getKey());
                if (earlier != null) {
                    clashes.add(key + ": " + earlier + " and " + service.getKey());
                }
            }
        });
        assertThat(owners).as("published host ports").isNotEmpty();
        assertThat(clashes).as("host ports published twice").isEmpty();
    }

    @Test
    void eachWorkerReservesItsOwnNvidiaGpu() {
        List<String> workers = workerServices();
        assertThat(workers).as("worker services").contains("worker-1", "worker-2");
        Map<String, String> gpuOwners = new HashMap<>();
        for (String worker : workers) {
            List<JsonNode> gpus = gpuReservations(services.path(worker));
            assertThat(gpus).as("GPU reservations of %s", worker).hasSize(1);
            JsonNode gpu = gpus.get(0);
            assertThat(gpu.path("driver").asText())
                    .as("driver of %s's device", worker)
                    .isEqualTo("nvidia");
            assertThat(stream(gpu.path("capabilities")).map(JsonNode::asText))
                    .as("capabilities of %s's device", worker)
                    .contains("gpu");
            List<String> ids =
                    stream(gpu.path("device_ids")).map(JsonNode::asText).toList();
            assertThat(ids)
                    .as("device_ids of %s (count would let Docker pick, maybe the same card twice)", worker)
                    .hasSize(1);
            String earlier = gpuOwners.putIfAbsent(ids.get(0), worker);
            assertThat(earlier)
                    .as("GPU %s is reserved by %s and %s", ids.get(0), earlier, worker)
                    .isNull();
        }
    }

    @Test
    void aWorkerWithOneReservedGpuUsesTheOnlyIndexItCanSee() {
        // the NVIDIA runtime shows the container only its reserved card, and CUDA numbers visible cards from 0:
        // the host's device id in device_ids would name a card the worker cannot see
        for (String worker : workerServices()) {
            if (gpuReservations(services.path(worker)).size() == 1) {
                assertThat(environment(services.path(worker)))
                        .as("environment of %s", worker)
                        .containsEntry("ALEXSTREAM_WORKER_GPU", "0");
            }
        }
    }

    @Test
    void everyVariableGivenToAnApplicationIsAConfigKeyItKnows() throws IOException {
        Map<String, Set<String>> knownByModule = new HashMap<>();
        for (Map.Entry<String, String> application : APPLICATIONS.entrySet()) {
            Set<String> known =
                    knownByModule.computeIfAbsent(application.getValue(), ComposeFileTest::knownEnvironmentNames);
            Map<String, String> environment = environment(services.path(application.getKey()));
            assertThat(environment)
                    .as("environment of %s", application.getKey())
                    .isNotEmpty();
            assertThat(unknownVariables(environment, known))
                    .as(
                            "variables of %s that name no config key of services/%s"
                                    + " (misspelled? Quarkus would ignore them)",
                            application.getKey(), application.getValue())
                    .isEmpty();
        }
    }

    @Test
    void aMisspelledVariableIsCaught() {
        Set<String> known = knownEnvironmentNames("worker");
        assertThat(known)
                .as("worker keys read from application.properties and the @ConfigMapping sources")
                .contains(
                        "ALEXSTREAM_WORKER_TRAINER_ADDRESS",
                        "ALEXSTREAM_WORKER_MAX_IMAGE_BYTES",
                        "ALEXSTREAM_AUTH_WORKER_TOKEN",
                        "ALEXSTREAM_TOPICS_DEAD_LETTERS",
                        "QUARKUS_HTTP_PORT");

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("ALEXSTREAM_WORKER_TRAINER_ADDRESS", "trainer:8082");
        environment.put("ALEXSTREAM_WORKER_TRAINER_ADRESS", "trainer:8082");
        environment.put("ALEXSTREAM_WORKER_GPUS", "0");
        environment.put("TF_CPP_MIN_LOG_LEVEL", "1");
        assertThat(unknownVariables(environment, known))
                .as("unknown among a fake environment")
                .containsExactly("ALEXSTREAM_WORKER_TRAINER_ADRESS", "ALEXSTREAM_WORKER_GPUS");
    }

    @Test
    void authTokensAreRequiredVariablesNeverLiterals() {
        services.fields()
                .forEachRemaining(service -> environment(service.getValue()).forEach((name, value) -> {
                    if (TOKEN_VARIABLE.matcher(name).matches()) {
                        Matcher reference = REQUIRED_REFERENCE.matcher(value);
                        assertThat(reference.matches())
                                .as(
                                        "%s of %s is ${%s:?message}, not a literal or a default: %s",
                                        name, service.getKey(), name, value)
                                .isTrue();
                        assertThat(reference.group(1))
                                .as("variable %s of %s refers to", name, service.getKey())
                                .isEqualTo(name);
                    }
                }));
    }

    @Test
    void eachServiceHoldsExactlyTheTokensOfItsRole() {
        services.fields()
                .forEachRemaining(service -> assertThat(tokenMisplacements(
                                APPLICATIONS.get(service.getKey()),
                                environment(service.getValue()).keySet()))
                        .as("tokens of %s against its role's (least privilege: docs/security.md)", service.getKey())
                        .isEmpty());
    }

    @Test
    void theTokenCheckCatchesAWorkerWithTheTrainersOrOperatorsToken() {
        assertThat(tokenMisplacements(
                        "worker",
                        List.of(
                                "ALEXSTREAM_AUTH_WORKER_TOKEN",
                                "ALEXSTREAM_AUTH_TRAINER_TOKEN",
                                "ALEXSTREAM_AUTH_OPERATOR_TOKEN",
                                "QUARKUS_HTTP_PORT")))
                .containsExactly(
                        "ALEXSTREAM_AUTH_TRAINER_TOKEN is not for this role",
                        "ALEXSTREAM_AUTH_OPERATOR_TOKEN is not for this role");
        assertThat(tokenMisplacements("ingest", List.of("ALEXSTREAM_AUTH_WORKER_TOKEN")))
                .containsExactly(
                        "ALEXSTREAM_AUTH_WORKER_TOKEN is not for this role",
                        "ALEXSTREAM_AUTH_LABELLER_TOKEN is missing");
        assertThat(tokenMisplacements(null, List.of("ALEXSTREAM_AUTH_OPERATOR_TOKEN")))
                .as("a service that runs none of our applications (grafana, say)")
                .containsExactly("ALEXSTREAM_AUTH_OPERATOR_TOKEN is not for this role");
    }

    @Test
    void theHeadersTokenRecipeMakesEveryTokenAServiceNeeds() throws IOException {
        String header = Files.readAllLines(ROOT.resolve("docker-compose.yml")).stream()
                .takeWhile(line -> line.startsWith("#"))
                .collect(Collectors.joining("\n"));
        Matcher recipe = TOKEN_RECIPE.matcher(header);
        assertThat(recipe.find())
                .as("the header's `for role in ...; do` that writes work/credentials.env")
                .isTrue();
        Set<String> made = Stream.of(recipe.group(1).trim().split(" +"))
                .map(role -> "ALEXSTREAM_AUTH_" + role + "_TOKEN")
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> needed = new TreeSet<>();
        services.fields()
                .forEachRemaining(service -> environment(service.getValue()).keySet().stream()
                        .filter(name -> TOKEN_VARIABLE.matcher(name).matches())
                        .forEach(needed::add));
        assertThat(made)
                .as("tokens the header's recipe makes, against those the services require")
                .isEqualTo(needed);
    }

    /** Tokens in {@code names} that the module's role must not hold, then those it lacks; a null module holds none. */
    static List<String> tokenMisplacements(String module, Collection<String> names) {
        Set<String> expected = module == null ? Set.of() : TOKENS_BY_MODULE.getOrDefault(module, Set.of());
        List<String> problems = new ArrayList<>();
        names.stream()
                .filter(name -> TOKEN_VARIABLE.matcher(name).matches())
                .filter(name -> !expected.contains(name))
                .forEach(name -> problems.add(name + " is not for this role"));
        expected.stream()
                .sorted()
                .filter(name -> !names.contains(name))
                .forEach(name -> problems.add(name + " is missing"));
        return problems;
    }

    @Test
    void dependsOnTargetsExist() {
        Set<String> names = fieldNames(services);
        services.fields().forEachRemaining(service -> {
            JsonNode dependsOn = service.getValue().path("depends_on");
            List<String> targets = dependsOn.isArray()
                    ? stream(dependsOn).map(JsonNode::asText).toList()
                    : fieldNames(dependsOn).stream().toList();
            assertThat(names)
                    .as("services (depends_on of %s)", service.getKey())
                    .containsAll(targets);
            fieldNames(dependsOn).forEach(target -> {
                String condition = dependsOn.path(target).path("condition").asText("service_started");
                if (condition.equals("service_healthy")) {
                    assertThat(services.path(target).has("healthcheck"))
                            .as("%s waits for %s to be healthy, which needs a healthcheck", service.getKey(), target)
                            .isTrue();
                }
            });
        });
    }

    @Test
    void applicationsAreProbedPublishedAndAdvertisedOnThePortTheyListenOn() {
        APPLICATIONS.keySet().forEach(name -> {
            JsonNode service = services.path(name);
            String port = environment(service).get("QUARKUS_HTTP_PORT");
            assertThat(port).as("QUARKUS_HTTP_PORT of %s", name).isNotNull();
            String probe = stream(service.path("healthcheck").path("test"))
                    .map(JsonNode::asText)
                    .collect(Collectors.joining(" "));
            // liveness, not readiness: a worker without a model is unready for as long as the trainer has none
            assertThat(probe).as("healthcheck of %s", name).contains("http://localhost:" + port + "/q/health/live");
            // a service with a gRPC server of its own (the worker) listens on that port too; the others serve gRPC on
            // HTTP's
            String grpcPort = environment(service).getOrDefault("QUARKUS_GRPC_SERVER_PORT", port);
            assertThat(ports(service))
                    .as("published ports of %s", name)
                    .isNotEmpty()
                    .allSatisfy(published -> assertThat(published.target())
                            .as("container port published for %s", name)
                            .isIn(port, grpcPort));
            assertThat(ports(service).stream().map(Port::target))
                    .as("ports published for %s", name)
                    .contains(grpcPort);
            String advertised = environment(service).get("ALEXSTREAM_WORKER_ADVERTISED_ADDRESS");
            if (advertised != null) {
                assertThat(advertised)
                        .as("address %s gives the trainer: its gRPC port", name)
                        .isEqualTo(name + ":" + grpcPort);
            }
        });
    }

    @Test
    void applicationsRunBehindTheLivenessWatchdogAndAreRestartedWhenTheyExit() throws IOException {
        assertThat(ROOT.resolve(WATCHDOG)).as("the watchdog script").isRegularFile();
        for (Map.Entry<String, String> application : new TreeMap<>(APPLICATIONS).entrySet()) {
            String name = application.getKey();
            JsonNode service = services.path(name);
            assertThat(service.path("restart").asText("no"))
                    .as("restart policy of %s (a stopped service must come back)", name)
                    .isIn(RESTARTING_POLICIES);
            assertThat(hostPathOf(service, WATCHDOG_IN_CONTAINER))
                    .as("what %s mounts at %s", name, WATCHDOG_IN_CONTAINER)
                    .contains(ROOT.resolve(WATCHDOG).normalize());

            List<String> entrypoint =
                    stream(service.path("entrypoint")).map(JsonNode::asText).toList();
            String port = environment(service).get("QUARKUS_HTTP_PORT");
            assertThat(entrypoint)
                    .as("entrypoint of %s: the watchdog on its liveness URL, then the image's entrypoint", name)
                    .hasSizeGreaterThan(3)
                    .startsWith("/bin/sh", WATCHDOG_IN_CONTAINER, "http://localhost:" + port + "/q/health/live");
            // compose reads $$ as a literal $, which is what the Dockerfile's exec form passes on
            List<String> wrapped = entrypoint.subList(3, entrypoint.size()).stream()
                    .map(part -> part.replace("$$", "$"))
                    .toList();
            Path dockerfile = dockerfileOf(service);
            assertThat(wrapped)
                    .as(
                            "the command %s's watchdog starts, against the ENTRYPOINT of %s",
                            name, ROOT.relativize(dockerfile))
                    .isEqualTo(execForm(dockerfile, "ENTRYPOINT"));
            assertThat(execForm(dockerfile, "CMD"))
                    .as("CMD of %s: an entrypoint set in compose drops the image's CMD", dockerfile)
                    .isEmpty();
        }
    }

    /** The JSON-array (exec form) arguments of the last such instruction in a Dockerfile; empty when there is none. */
    private static List<String> execForm(Path dockerfile, String instruction) throws IOException {
        List<String> lines = Files.readAllLines(dockerfile).stream()
                .filter(line -> line.stripLeading().toUpperCase(Locale.ROOT).startsWith(instruction + " "))
                .toList();
        if (lines.isEmpty()) {
            return List.of();
        }
        String arguments = lines.get(lines.size() - 1)
                .strip()
                .substring(instruction.length())
                .strip();
        assertThat(arguments)
                .as("%s of %s in exec form (a JSON array)", instruction, dockerfile)
                .startsWith("[");
        List<String> parts = new ArrayList<>();
        new ObjectMapper().readTree(arguments).forEach(part -> parts.add(part.asText()));
        return parts;
    }

    private static Path dockerfileOf(JsonNode service) {
        JsonNode build = service.path("build");
        String context =
                build.isTextual() ? build.asText() : build.path("context").asText(".");
        return ROOT.resolve(context)
                .resolve(build.path("dockerfile").asText("Dockerfile"))
                .normalize();
    }

    // ---- the environment check

    /**
     * The names in {@code environment} that are neither a known config key (env form) nor a listed non-config variable.
     */
    static List<String> unknownVariables(Map<String, String> environment, Set<String> knownEnvironmentNames) {
        return environment.keySet().stream()
                .filter(name -> !knownEnvironmentNames.contains(name) && !NOT_CONFIG_KEYS.containsKey(name))
                .toList();
    }

    /** The env form of every key a service knows ({@link ServiceConfigKeys}) and of {@link #FRAMEWORK_KEYS}. */
    static Set<String> knownEnvironmentNames(String module) {
        Set<String> names = ServiceConfigKeys.environmentNames(module);
        FRAMEWORK_KEYS.forEach(key -> names.add(ServiceConfigKeys.environmentName(key)));
        return names;
    }

    // ---- reading compose entries (short and long syntax)

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> environment = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isArray()) {
            // list form: NAME=value, or a bare NAME passed through from the caller's environment
            node.forEach(entry -> {
                String text = entry.asText();
                int equals = text.indexOf('=');
                environment.put(
                        equals < 0 ? text : text.substring(0, equals), equals < 0 ? "" : text.substring(equals + 1));
            });
        } else {
            node.fields()
                    .forEachRemaining(entry ->
                            environment.put(entry.getKey(), entry.getValue().asText()));
        }
        return environment;
    }

    private record Mount(String type, String source, String target) {
        boolean isBind() {
            return type.equals("bind");
        }
    }

    private static List<Mount> mounts(JsonNode service) {
        List<Mount> mounts = new ArrayList<>();
        for (JsonNode volume : stream(service.path("volumes")).toList()) {
            if (volume.isTextual()) {
                String[] parts = volume.asText().split(":");
                if (parts.length == 1) {
                    continue; // an anonymous volume: nothing to exist or declare
                }
                String source = parts[0];
                boolean bind = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
                mounts.add(new Mount(bind ? "bind" : "volume", source, parts[1]));
            } else {
                mounts.add(new Mount(
                        volume.path("type").asText("volume"),
                        volume.path("source").asText(),
                        volume.path("target").asText()));
            }
        }
        return mounts;
    }

    /** Where a path inside the service's container comes from on the host, through its bind mounts. */
    private static Optional<Path> hostPathOf(JsonNode service, String containerPath) {
        return mounts(service).stream()
                .filter(Mount::isBind)
                .filter(mount -> containerPath.equals(mount.target()) || containerPath.startsWith(mount.target() + "/"))
                // a mount inside another mount (grafana's dashboards) hides what the outer one has there
                .max(Comparator.comparingInt(mount -> mount.target().length()))
                .map(mount -> ROOT.resolve(mount.source())
                        .resolve(
                                containerPath.substring(mount.target().length()).replaceFirst("^/", ""))
                        .normalize());
    }

    /** The file, or the files a glob in its last component matches (Prometheus allows rule_files: [rules/*.yml]). */
    private static List<Path> matchingFiles(Path pattern) {
        String name = pattern.getFileName().toString();
        if (!name.matches(".*[*?\\[].*")) {
            return Files.isRegularFile(pattern) ? List.of(pattern) : List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
        try (Stream<Path> files = Files.list(pattern.getParent())) {
            return files.filter(file -> matcher.matches(file.getFileName()) && Files.isRegularFile(file))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A published port: host port (null when Docker picks one), container port and protocol. */
    private record Port(String published, String target, String protocol) {}

    private static List<Port> ports(JsonNode service) {
        List<Port> ports = new ArrayList<>();
        for (JsonNode port : stream(service.path("ports")).toList()) {
            if (port.isObject()) {
                JsonNode published = port.path("published");
                ports.add(new Port(
                        published.isMissingNode() ? null : published.asText(),
                        port.path("target").asText(),
                        port.path("protocol").asText("tcp")));
            } else if (port.asText().matches("\\d+")) {
                ports.add(new Port(null, port.asText(), "tcp"));
            } else {
                Matcher parts = SHORT_PORT.matcher(port.asText());
                assertThat(parts.matches())
                        .as("port %s is [ip:]host:container[/protocol] (ranges are not checked here)", port.asText())
                        .isTrue();
                ports.add(new Port(parts.group(2), parts.group(3), parts.group(4) == null ? "tcp" : parts.group(4)));
            }
        }
        return ports;
    }

    private static List<String> workerServices() {
        return APPLICATIONS.entrySet().stream()
                .filter(e -> e.getValue().equals("worker"))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    private static List<JsonNode> gpuReservations(JsonNode service) {
        return stream(service.path("deploy")
                        .path("resources")
                        .path("reservations")
                        .path("devices"))
                .filter(device -> stream(device.path("capabilities"))
                                .anyMatch(c -> c.asText().equals("gpu"))
                        || device.path("driver").asText().equals("nvidia"))
                .toList();
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        if (node != null) {
            node.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    private static Stream<JsonNode> stream(JsonNode node) {
        if (node == null || !node.isArray()) {
            return Stream.empty();
        }
        List<JsonNode> elements = new ArrayList<>();
        node.forEach(elements::add);
        return elements.stream();
    }
}

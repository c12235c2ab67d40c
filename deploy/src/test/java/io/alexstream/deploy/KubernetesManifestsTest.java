package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders {@code deploy/k8s/base} offline with {@code kubectl kustomize} and checks what a
 * cluster would only reveal at run time: a probe on a port the container does not have, a
 * Service or ServiceMonitor that selects nothing, an env var the service silently ignores, a
 * reference to a missing Secret key, a ScaledObject watching another consumer group than the
 * workers use. Skipped, with the reason, only when no {@code kubectl} is on the PATH.
 */
class KubernetesManifestsTest {

    private static final Path KUBERNETES_DIR = Path.of("deploy", "k8s");
    private static final String KUSTOMIZATION = "base";
    private static final String CREDENTIALS_FILE = "credentials.env";
    /** The operator's file under its name before the tokens were split by role: never read, never committed either. */
    private static final String OLD_CREDENTIALS_FILE = "push-tokens.env";

    private static final Set<String> OPERATOR_FILES = Set.of(CREDENTIALS_FILE, OLD_CREDENTIALS_FILE);
    private static final String CREDENTIALS_SECRET = "alexstream-credentials";
    private static final String CONFIG_MAP = "alexstream-config";
    /** One token per role that some service checks or presents (docs/security.md); no trainer token any more. */
    private static final List<String> CREDENTIAL_KEYS = List.of(
            "ALEXSTREAM_AUTH_WORKER_TOKEN",
            "ALEXSTREAM_AUTH_OPERATOR_TOKEN",
            "ALEXSTREAM_AUTH_LABELLER_TOKEN",
            "ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN");

    private static final Pattern TOKEN_NAME = Pattern.compile("ALEXSTREAM_AUTH_[A-Z0-9_]*TOKEN");
    private static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
    private static final String PARTITIONS_ANNOTATION = "alexstream.io/images-topic-partitions";
    private static final String GPU = "nvidia.com/gpu";
    /** Container name -> the repository its image ends with (a registry in front and the tag are the operator's). */
    private static final Map<String, String> IMAGE_BY_CONTAINER =
            Map.of("ingest", "alexstream/ingest", "worker", "alexstream/worker-gpu", "trainer", "alexstream/trainer");

    private static final Duration RENDER_TIMEOUT = Duration.ofSeconds(60);

    /** Env names of this shape are read as configuration by the services (MicroProfile env mapping). */
    private static final Pattern CONFIG_ENV_NAME = Pattern.compile("(ALEXSTREAM|KAFKA|QUARKUS|MP)_[A-Z0-9_]+");
    /** kustomize appends a 10-character content hash to generated ConfigMaps and Secrets. */
    private static final String GENERATED_SUFFIX = "(-[a-z0-9]{10})?";

    private static final Pattern PROPERTY_REFERENCE = Pattern.compile("\\$\\{([^}:]+)(?::[^}]*)?}");
    /** A token given a value in an env file, a generator literal or YAML. */
    private static final Pattern TOKEN_ASSIGNMENT =
            Pattern.compile("(?m)^[ \\t]*(?:-[ \\t]*)?(ALEXSTREAM_AUTH_\\w+)[ \\t]*[=:][ \\t]*(\\S*)");

    @TempDir
    static Path scratch;

    private static Path root;
    /** Every document kubectl rendered; null when there was no kubectl to render with. */
    private static List<JsonNode> rendered;

    private static String notRenderedBecause;
    /** What the test wrote into the copy's credentials.env, as an operator would. */
    private static Map<String, String> credentials;

    @BeforeAll
    static void render() throws Exception {
        root = RepositoryFiles.root();
        Optional<Path> kubectl = onPath("kubectl");
        if (kubectl.isEmpty()) {
            notRenderedBecause = "no kubectl on the PATH, so deploy/k8s was not rendered "
                    + "(install kubectl, or Debian's kubernetes-client, to check the manifests)";
            System.err.println("KubernetesManifestsTest: " + notRenderedBecause);
            return;
        }
        // A copy, so that the test's tokens never land in the working tree and an operator's
        // real credentials.env there is neither read nor overwritten.
        Path copy = scratch.resolve("k8s");
        copyWithoutCredentials(root.resolve(KUBERNETES_DIR), copy);
        credentials = new LinkedHashMap<>();
        for (String key : CREDENTIAL_KEYS) {
            credentials.put(key, freshToken());
        }
        Files.writeString(
                copy.resolve(KUSTOMIZATION).resolve(CREDENTIALS_FILE),
                credentials.entrySet().stream()
                        .map(token -> token.getKey() + "=" + token.getValue() + "\n")
                        .collect(Collectors.joining()));
        rendered = parseYamlDocuments(kustomize(kubectl.get(), copy.resolve(KUSTOMIZATION)));
    }

    // ---------------------------------------------------------------- what is there
    // (allSatisfy rather than SoftAssertions: it reports every failing element too, without the
    // seconds that SoftAssertions' generated proxies cost on a small machine)

    @Test
    void rendersEveryComponentInOneNamespace() {
        assertThat(List.of(
                        "Deployment/ingest",
                        "Deployment/worker",
                        "StatefulSet/trainer",
                        "Service/ingest",
                        "Service/worker",
                        "Service/trainer",
                        "ScaledObject/worker",
                        "ServiceMonitor/ingest",
                        "ServiceMonitor/worker",
                        "ServiceMonitor/trainer"))
                .allSatisfy(expected -> {
                    String[] kindAndName = expected.split("/");
                    assertThat(named(kindAndName[0], kindAndName[1]))
                            .as(expected)
                            .hasSize(1);
                });
        assertThat(generated("ConfigMap", CONFIG_MAP))
                .as("the ConfigMap %s", CONFIG_MAP)
                .isPresent();
        assertThat(generated("Secret", CREDENTIALS_SECRET))
                .as("the Secret %s", CREDENTIALS_SECRET)
                .isPresent();
        assertThat(shown(ofKind("ScaledObject")))
                .as("ScaledObjects")
                .allSatisfy(scaled ->
                        assertThat(scaled.node().path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1"));
        assertThat(shown(ofKind("ServiceMonitor")))
                .as("ServiceMonitors")
                .hasSize(3)
                .allSatisfy(monitor ->
                        assertThat(monitor.node().path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1"));
        Set<String> namespaces = manifests().stream()
                .filter(object -> !kind(object).equals("Namespace"))
                .map(KubernetesManifestsTest::namespace)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(namespaces)
                .as("namespaces of the namespaced objects (kustomize's namespace field)")
                .hasSize(1)
                .doesNotContain("");
    }

    @Test
    void kafkaBootstrapServersComeFromTheConfigMapEverywhere() {
        JsonNode configMap = generated("ConfigMap", CONFIG_MAP).orElseThrow();
        assertThat(configMap.at("/data/" + KAFKA_BOOTSTRAP_SERVERS).asText(""))
                .as("%s in the ConfigMap %s", KAFKA_BOOTSTRAP_SERVERS, name(configMap))
                .isNotBlank();
        assertThat(shown(allContainers())).allSatisfy(shown -> {
            JsonNode container = shown.node();
            JsonNode reference =
                    env(container, KAFKA_BOOTSTRAP_SERVERS).path("valueFrom").path("configMapKeyRef");
            assertThat(reference.path("name").asText() + "/"
                            + reference.path("key").asText())
                    .as(
                            "where container %s reads %s from (the one ConfigMap the operator edits)",
                            name(container), KAFKA_BOOTSTRAP_SERVERS)
                    .isEqualTo(name(configMap) + "/" + KAFKA_BOOTSTRAP_SERVERS);
        });
    }

    @Test
    void workerAndTrainerServeTheSameModelProfile() {
        // a push between different profiles is refused (CONFIG_MISMATCH), so both read one value
        JsonNode workerProfile = env(container(single("Deployment", "worker"), "worker"), "ALEXSTREAM_WORKER_PROFILE");
        JsonNode trainerProfile =
                env(container(single("StatefulSet", "trainer"), "trainer"), "ALEXSTREAM_TRAINER_PROFILE");
        assertThat(workerProfile.isMissingNode())
                .as("the worker's profile env is missing")
                .isFalse();
        assertThat(trainerProfile.isMissingNode())
                .as("the trainer's profile env is missing")
                .isFalse();
        assertThat(valueSource(workerProfile))
                .as("the worker's profile source, against the trainer's")
                .isEqualTo(valueSource(trainerProfile));
    }

    // ---------------------------------------------------------------- containers

    @Test
    void everyContainerHasAnImageResourcesAndHealthProbesOnANamedPort() {
        assertThat(shown(allContainers())).allSatisfy(shown -> {
            JsonNode container = shown.node();
            String name = name(container);
            String image = container.path("image").asText("");
            assertThat(IMAGE_BY_CONTAINER).as("known containers").containsKey(name);
            assertThat(repositoryOf(image))
                    .as("repository of %s's image '%s'", name, image)
                    .endsWith(IMAGE_BY_CONTAINER.get(name));
            assertThat(image)
                    .as("%s's image pinned by a tag or digest (kustomize images), never latest", name)
                    .matches(".*(:[^/:]+|@sha256:[0-9a-f]+)$")
                    .doesNotEndWith(":latest");

            JsonNode resources = container.path("resources");
            assertThat(fieldNames(resources.path("requests")))
                    .as("resource requests of %s", name)
                    .contains("cpu", "memory");
            assertThat(fieldNames(resources.path("limits")))
                    .as("resource limits of %s", name)
                    .contains("memory");

            Set<String> ports = portNames(container);
            assertThat(container.at("/readinessProbe/httpGet/path").asText())
                    .as("readiness path of %s", name)
                    .isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText())
                    .as("liveness path of %s", name)
                    .isEqualTo("/q/health/live");
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                JsonNode port = container.path(probe).path("httpGet").path("port");
                if (probe.equals("startupProbe") && port.isMissingNode()) {
                    continue;
                }
                assertThat(port.isTextual())
                        .as("%s of %s uses a named port (not %s)", probe, name, port)
                        .isTrue();
                assertThat(ports)
                        .as("named ports of %s, for its %s's port '%s'", name, probe, port.asText())
                        .contains(port.asText());
            }
        });
    }

    @Test
    void workerHoldsExactlyOneGpu() {
        JsonNode worker = container(single("Deployment", "worker"), "worker");
        assertThat(worker.at("/resources/limits").path(GPU).asText())
                .as("the worker's %s limit", GPU)
                .isEqualTo("1");
        JsonNode request = worker.at("/resources/requests").path(GPU);
        if (!request.isMissingNode()) {
            assertThat(request.asText())
                    .as("the worker's %s request (must equal the limit)", GPU)
                    .isEqualTo("1");
        }
        assertThat(env(worker, "ALEXSTREAM_WORKER_GPU").path("value").asText())
                .as("the CUDA index inside a pod that was given one GPU")
                .isEqualTo("0");
    }

    @Test
    void workerIsNamedAndReachedAsItsOwnPod() {
        JsonNode deployment = single("Deployment", "worker");
        assertThat(deployment.at("/spec/replicas").isMissingNode())
                .as("the worker Deployment leaves replicas to KEDA (a fixed count is reset on every apply)")
                .isTrue();
        JsonNode worker = container(deployment, "worker");
        assertThat(env(worker, "ALEXSTREAM_WORKER_ID")
                        .at("/valueFrom/fieldRef/fieldPath")
                        .asText())
                .as("the worker id comes from the pod name")
                .isEqualTo("metadata.name");

        String advertised = env(worker, "ALEXSTREAM_WORKER_ADVERTISED_ADDRESS")
                .path("value")
                .asText("");
        Matcher address = Pattern.compile("\\$\\((\\w+)\\):(\\d+)").matcher(advertised);
        assertThat(address.matches())
                .as("advertised address '%s' is $(POD_IP_VAR):port", advertised)
                .isTrue();
        assertThat(definedBefore(worker, address.group(1), "ALEXSTREAM_WORKER_ADVERTISED_ADDRESS"))
                .as("%s is defined before the advertised address that expands it", address.group(1))
                .isTrue();
        assertThat(env(worker, address.group(1))
                        .at("/valueFrom/fieldRef/fieldPath")
                        .asText())
                .as("%s carries the pod IP", address.group(1))
                .isEqualTo("status.podIP");
        assertThat(address.group(2))
                .as("advertised port = the worker's grpc containerPort")
                .isEqualTo(containerPort(worker, "grpc"));

        String trainerAddress =
                env(worker, "ALEXSTREAM_WORKER_TRAINER_ADDRESS").path("value").asText("");
        assertThat(trainerAddress).as("trainer address").matches("[a-z0-9-]+(\\.[a-z0-9.-]+)?:\\d+");
        String serviceName =
                trainerAddress.substring(0, trainerAddress.indexOf(':')).split("\\.")[0];
        String port = trainerAddress.substring(trainerAddress.indexOf(':') + 1);
        JsonNode service = single("Service", serviceName);
        assertThat(selects(service, single("StatefulSet", "trainer")))
                .as("the Service %s the workers dial selects the trainer's pods", serviceName)
                .isTrue();
        assertThat(stream(service.at("/spec/ports"))
                        .map(p -> p.path("port").asText())
                        .toList())
                .as("ports of the Service %s", serviceName)
                .contains(port);
    }

    @Test
    void trainerKeepsItsDataOnAClaimMountedAtTheDataDir() {
        JsonNode statefulSet = single("StatefulSet", "trainer");
        assertThat(statefulSet.at("/spec/replicas").asInt(1))
                .as("trainer replicas")
                .isEqualTo(1);
        assertThat(named("Service", statefulSet.at("/spec/serviceName").asText()))
                .as("the StatefulSet's governing Service")
                .hasSize(1);
        Set<String> claims = stream(statefulSet.at("/spec/volumeClaimTemplates"))
                .map(claim -> claim.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        assertThat(claims).as("volumeClaimTemplates of the trainer").isNotEmpty();

        JsonNode trainer = container(statefulSet, "trainer");
        String dataDir =
                env(trainer, "ALEXSTREAM_TRAINER_DATA_DIR").path("value").asText("");
        assertThat(dataDir)
                .as("ALEXSTREAM_TRAINER_DATA_DIR (the default, data/trainer, is relative to the image's work dir)")
                .startsWith("/");
        assertThat(stream(trainer.path("volumeMounts"))
                        .filter(mount -> claims.contains(mount.path("name").asText()))
                        .map(mount -> mount.path("mountPath").asText())
                        .toList())
                .as("where the trainer's claims are mounted")
                .contains(dataDir);
    }

    // ---------------------------------------------------------------- scaling

    @Test
    void scaledObjectScalesTheWorkerOnItsConsumerGroupsLag() throws IOException {
        JsonNode scaled = single("ScaledObject", "worker");
        JsonNode target = scaled.at("/spec/scaleTargetRef");
        assertThat(target.path("kind").asText("Deployment"))
                .as("scaleTargetRef kind")
                .isEqualTo("Deployment");
        assertThat(named("Deployment", target.path("name").asText()))
                .as("the Deployment scaleTargetRef names")
                .containsExactly(single("Deployment", "worker"));

        Properties worker = ServiceConfigKeys.applicationProperties("worker");
        List<JsonNode> kafkaTriggers = stream(scaled.at("/spec/triggers"))
                .filter(trigger -> trigger.path("type").asText().equals("kafka"))
                .toList();
        assertThat(kafkaTriggers).as("kafka triggers").hasSize(1);
        JsonNode metadata = kafkaTriggers.get(0).path("metadata");
        assertThat(metadata.path("consumerGroup").asText())
                .as("consumerGroup vs the worker's group.id")
                .isEqualTo(resolved(worker, "mp.messaging.incoming.images-in.group.id"));
        assertThat(metadata.path("topic").asText())
                .as("topic vs the topic the worker consumes")
                .isEqualTo(resolved(worker, "mp.messaging.incoming.images-in.topic"))
                .isEqualTo(resolved(worker, "alexstream.topics.images"));
        assertThat(metadata.path("offsetResetPolicy").asText("latest"))
                .as("offsetResetPolicy vs the worker's auto.offset.reset (else a new group's lag is misjudged)")
                .isEqualTo(resolved(worker, "mp.messaging.incoming.images-in.auto.offset.reset"));
        assertThat(Integer.parseInt(metadata.path("lagThreshold").asText("0")))
                .as("lagThreshold")
                .isPositive();
        assertThat(metadata.path("allowIdleConsumers").asText("false"))
                .as("allowIdleConsumers (a worker beyond the partition count idles on its GPU)")
                .isEqualTo("false");

        JsonNode workerContainer = container(single("Deployment", "worker"), "worker");
        if (metadata.has("bootstrapServers")) {
            assertThat(metadata.path("bootstrapServers").asText())
                    .as("bootstrapServers vs the ConfigMap")
                    .isEqualTo(generated("ConfigMap", CONFIG_MAP)
                            .orElseThrow()
                            .at("/data/" + KAFKA_BOOTSTRAP_SERVERS)
                            .asText());
        } else {
            String fromEnv = metadata.path("bootstrapServersFromEnv").asText("");
            assertThat(env(workerContainer, fromEnv)
                            .path("valueFrom")
                            .path("configMapKeyRef")
                            .path("key")
                            .asText())
                    .as("where the worker env var '%s' that bootstrapServersFromEnv names is read from", fromEnv)
                    .isEqualTo(KAFKA_BOOTSTRAP_SERVERS);
        }

        int min = scaled.at("/spec/minReplicaCount").asInt(0);
        int max = scaled.at("/spec/maxReplicaCount").asInt(100);
        assertThat(min).as("minReplicaCount (a cold worker needs minutes)").isGreaterThanOrEqualTo(1);
        assertThat(max).as("maxReplicaCount").isGreaterThanOrEqualTo(min);
        String partitions =
                scaled.at("/metadata/annotations").path(PARTITIONS_ANNOTATION).asText("");
        assertThat(partitions)
                .as(
                        "annotation %s: the images topic's partition count maxReplicaCount was sized for",
                        PARTITIONS_ANNOTATION)
                .matches("[1-9][0-9]*");
        assertThat(max)
                .as("maxReplicaCount vs the images topic's partitions")
                .isLessThanOrEqualTo(Integer.parseInt(partitions));
    }

    // ---------------------------------------------------------------- selection

    @Test
    void everyServiceSelectsThePodsOfAWorkloadOnANamedPort() {
        assertThat(shown(workloads()))
                .allSatisfy(shown -> assertThat(labels(shown.node().at("/spec/template/metadata/labels")))
                        .as("pod labels of %s vs its own selector", shown)
                        .containsAllEntriesOf(labels(shown.node().at("/spec/selector/matchLabels"))));
        assertThat(shown(ofKind("Service"))).allSatisfy(shown -> {
            JsonNode service = shown.node();
            Map<String, String> selector = labels(service.at("/spec/selector"));
            assertThat(selector).as("selector of Service %s", name(service)).isNotEmpty();
            List<JsonNode> selected = workloads().stream()
                    .filter(workload -> selects(service, workload))
                    .toList();
            assertThat(selected)
                    .as("workloads whose pods Service %s selects with %s", name(service), selector)
                    .isNotEmpty();
            stream(service.at("/spec/ports"))
                    .map(port -> port.path("targetPort"))
                    .filter(JsonNode::isTextual)
                    .forEach(targetPort -> assertThat(selected.stream()
                                    .flatMap(workload -> containers(workload).stream())
                                    .flatMap(container -> portNames(container).stream())
                                    .toList())
                            .as(
                                    "named ports of the pods Service %s selects, for its targetPort %s",
                                    name(service), targetPort)
                            .contains(targetPort.asText()));
        });
    }

    @Test
    void everyServiceMonitorScrapesMetricsFromANamedPortOfAService() {
        Set<String> monitored = new TreeSet<>();
        assertThat(shown(ofKind("ServiceMonitor"))).allSatisfy(shown -> {
            JsonNode monitor = shown.node();
            Map<String, String> selector = labels(monitor.at("/spec/selector/matchLabels"));
            assertThat(selector)
                    .as("selector of ServiceMonitor %s", name(monitor))
                    .isNotEmpty();
            List<JsonNode> services = ofKind("Service").stream()
                    .filter(service ->
                            labels(service.at("/metadata/labels")).entrySet().containsAll(selector.entrySet()))
                    .filter(service -> namespace(service).equals(namespace(monitor)))
                    .toList();
            assertThat(services)
                    .as("Services that ServiceMonitor %s selects with %s", name(monitor), selector)
                    .isNotEmpty();
            services.forEach(service -> monitored.add(name(service)));
            // the alert rules and dashboards select job="alexstream-<service>", as deploy/prometheus/prometheus.yml
            // names them
            String jobLabel = monitor.at("/spec/jobLabel").asText();
            assertThat(jobLabel)
                    .as("jobLabel of ServiceMonitor %s", name(monitor))
                    .isNotBlank();
            for (JsonNode service : services) {
                assertThat(labels(service.at("/metadata/labels")).get(jobLabel))
                        .as("Prometheus job of Service %s (its label %s)", name(service), jobLabel)
                        .isEqualTo("alexstream-" + name(service));
            }
            List<JsonNode> endpoints = stream(monitor.at("/spec/endpoints")).toList();
            assertThat(endpoints)
                    .as("endpoints of ServiceMonitor %s", name(monitor))
                    .isNotEmpty();
            for (JsonNode endpoint : endpoints) {
                assertThat(endpoint.path("path").asText())
                        .as("metrics path of ServiceMonitor %s", name(monitor))
                        .isEqualTo("/q/metrics");
                for (JsonNode service : services) {
                    assertThat(stream(service.at("/spec/ports"))
                                    .map(port -> port.path("name").asText())
                                    .toList())
                            .as(
                                    "port names of Service %s, for ServiceMonitor %s's endpoint port",
                                    name(service), name(monitor))
                            .contains(endpoint.path("port").asText());
                }
            }
        });
        assertThat(monitored).as("Services scraped by some ServiceMonitor").contains("ingest", "worker", "trainer");
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void everyConfigEnvVarIsAKeyItsServiceKnows() {
        assertThat(shown(allContainers())).allSatisfy(shown -> {
            String service = name(shown.node());
            assertThat(root.resolve("services").resolve(service).resolve("src/main/resources/application.properties"))
                    .as("the service module of container %s", service)
                    .isRegularFile();
            assertThat(unknownConfigEnvVars(service, envNames(shown.node())))
                    .as(
                            "env vars of container %s that no key of services/%s maps to"
                                    + " (a misspelling is silently ignored)",
                            service, service)
                    .isEmpty();
        });
    }

    @Test
    void configEnvCheckRejectsAMisspelledOrForeignName() throws IOException {
        // no kubectl needed: this is the check the manifests are held to, shown to bite
        assertThat(unknownConfigEnvVars(
                        "worker",
                        List.of(
                                "ALEXSTREAM_WORKER_TRAINER_ADDRESS",
                                "ALEXSTREAM_WORKER_TRAINER_ADRESS",
                                "ALEXSTREAM_AUTH_WORKER_TOKEN",
                                "KAFKA_BOOTSTRAP_SERVERS",
                                "ALEXSTREAM_TRAINER_DATA_DIR",
                                "POD_IP")))
                .as("unknown to the worker: a typo, and a key only the trainer has; POD_IP is no config key at all")
                .containsExactly("ALEXSTREAM_WORKER_TRAINER_ADRESS", "ALEXSTREAM_TRAINER_DATA_DIR");
    }

    @Test
    void everySecretAndConfigMapReferencePointsAtAnExistingKey() {
        List<Reference> references = new ArrayList<>();
        for (JsonNode container : allContainers()) {
            for (JsonNode variable : stream(container.path("env")).toList()) {
                String what = "env " + variable.path("name").asText() + " of container " + name(container);
                JsonNode valueFrom = variable.path("valueFrom");
                if (valueFrom.has("secretKeyRef")) {
                    references.add(new Reference(
                            what,
                            "Secret",
                            valueFrom.at("/secretKeyRef/name").asText(),
                            valueFrom.at("/secretKeyRef/key").asText()));
                }
                if (valueFrom.has("configMapKeyRef")) {
                    references.add(new Reference(
                            what,
                            "ConfigMap",
                            valueFrom.at("/configMapKeyRef/name").asText(),
                            valueFrom.at("/configMapKeyRef/key").asText()));
                }
            }
            for (JsonNode source : stream(container.path("envFrom")).toList()) {
                String what = "envFrom of container " + name(container);
                if (source.has("secretRef")) {
                    references.add(new Reference(
                            what, "Secret", source.at("/secretRef/name").asText(), null));
                }
                if (source.has("configMapRef")) {
                    references.add(new Reference(
                            what, "ConfigMap", source.at("/configMapRef/name").asText(), null));
                }
            }
        }
        assertThat(references)
                .as("Secret and ConfigMap references")
                .isNotEmpty()
                .allSatisfy(reference -> {
                    assertThat(named(reference.kind(), reference.name()))
                            .as("%s %s", reference.kind(), reference.name())
                            .hasSize(1);
                    if (reference.key() != null) {
                        assertThat(dataKeys(reference.kind(), reference.name()))
                                .as("keys of %s %s", reference.kind(), reference.name())
                                .contains(reference.key());
                    }
                });
    }

    // ---------------------------------------------------------------- credentials

    @Test
    void credentialsSecretHoldsTheOperatorsTokens() {
        JsonNode secret = generated("Secret", CREDENTIALS_SECRET).orElseThrow();
        Map<String, String> values = secretValues(secret);
        assertThat(values)
                .as("the Secret %s, generated from the operator's %s", name(secret), CREDENTIALS_FILE)
                .isEqualTo(credentials);
        assertThat(values.values())
                .as("tokens (the services refuse short or shared ones)")
                .allSatisfy(token -> assertThat(token).hasSizeGreaterThanOrEqualTo(16))
                .doesNotHaveDuplicates();
    }

    @Test
    void theExampleListsExactlyTheRolesTokens() throws IOException {
        Path example = root.resolve(KUBERNETES_DIR).resolve(KUSTOMIZATION).resolve(CREDENTIALS_FILE + ".example");
        List<String> keys = new ArrayList<>();
        Matcher assignment = TOKEN_ASSIGNMENT.matcher(Files.readString(example));
        while (assignment.find()) {
            keys.add(assignment.group(1));
        }
        assertThat(keys)
                .as("keys of %s (the operator copies them)", example.getFileName())
                .containsExactlyElementsOf(CREDENTIAL_KEYS);
    }

    @Test
    void eachContainerReadsExactlyItsRolesTokensKeyByKey() {
        String secretName = name(generated("Secret", CREDENTIALS_SECRET).orElseThrow());
        Set<String> read = new TreeSet<>();
        assertThat(shown(allContainers())).allSatisfy(shown -> {
            JsonNode container = shown.node();
            List<String> tokens = envNames(container).stream()
                    .filter(name -> TOKEN_NAME.matcher(name).matches())
                    .toList();
            assertThat(ComposeFileTest.tokenMisplacements(name(container), tokens))
                    .as(
                            "tokens of container %s against its role's (least privilege: docs/security.md)",
                            name(container))
                    .isEmpty();
            assertThat(stream(container.path("envFrom"))
                            .filter(source -> source.has("secretRef"))
                            .toList())
                    .as(
                            "envFrom of a whole Secret in container %s (it would hand over every role's token)",
                            name(container))
                    .isEmpty();
            for (String token : tokens) {
                JsonNode reference = env(container, token).path("valueFrom").path("secretKeyRef");
                assertThat(reference.path("name").asText() + "/"
                                + reference.path("key").asText())
                        .as("Secret/key container %s reads %s from", name(container), token)
                        .isEqualTo(secretName + "/" + token);
                read.add(token);
            }
        });
        assertThat(read)
                .as("tokens some container reads: every key of the Secret has a holder")
                .containsExactlyInAnyOrderElementsOf(CREDENTIAL_KEYS);
    }

    @Test
    void noSecretValueIsCommitted() throws IOException {
        for (String operatorFile : OPERATOR_FILES) {
            Path tokensFile = KUBERNETES_DIR.resolve(KUSTOMIZATION).resolve(operatorFile);
            assertThat(gitIgnores(tokensFile))
                    .as("%s is git-ignored (and not tracked)", tokensFile)
                    .isTrue();
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve(KUBERNETES_DIR))) {
            // the operator's own credentials.env may well be here: it is ignored, so it is not committed
            files = walk.filter(Files::isRegularFile)
                    .filter(file -> !OPERATOR_FILES.contains(file.getFileName().toString()))
                    .toList();
        }
        assertThat(files).as("files under %s", KUBERNETES_DIR).isNotEmpty().allSatisfy(file -> {
            Path relative = root.relativize(file);
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Matcher assignment = TOKEN_ASSIGNMENT.matcher(text);
            while (assignment.find()) {
                assertThat(assignment.group(2))
                        .as(
                                "%s in %s (only the git-ignored %s holds values)",
                                assignment.group(1), relative, CREDENTIALS_FILE)
                        .isEmpty();
            }
            String fileName = file.getFileName().toString();
            if (!fileName.endsWith(".yaml") && !fileName.endsWith(".yml")) {
                return;
            }
            for (JsonNode document : parseYamlDocuments(text)) {
                if (kind(document).equals("Secret")) {
                    assertThat(fieldNames(document.path("data")))
                            .as("data of a Secret committed in %s", relative)
                            .isEmpty();
                    assertThat(fieldNames(document.path("stringData")))
                            .as("stringData of a Secret committed in %s", relative)
                            .isEmpty();
                }
                for (JsonNode generator :
                        stream(document.path("secretGenerator")).toList()) {
                    assertThat(generator.path("literals").size())
                            .as(
                                    "literals of secretGenerator %s in %s",
                                    generator.path("name").asText(), relative)
                            .isZero();
                    List<String> sources = new ArrayList<>();
                    stream(generator.path("files"))
                            .forEach(source -> sources.add(source.asText().replaceFirst("^[^=]*=", "")));
                    stream(generator.path("envs")).forEach(source -> sources.add(source.asText()));
                    if (generator.has("env")) {
                        sources.add(generator.path("env").asText());
                    }
                    for (String source : sources) {
                        Path sourceFile = relative.resolveSibling(source).normalize();
                        assertThat(gitIgnores(sourceFile))
                                .as("secretGenerator source %s is git-ignored", sourceFile)
                                .isTrue();
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- configuration keys

    /**
     * The config-shaped env names among {@code names} that no key of the service ({@link ServiceConfigKeys}) maps to.
     */
    static List<String> unknownConfigEnvVars(String service, Collection<String> names) {
        Set<String> known = ServiceConfigKeys.environmentNames(service);
        return names.stream()
                .filter(name -> CONFIG_ENV_NAME.matcher(name).matches())
                .filter(name -> !known.contains(name))
                .toList();
    }

    /** A property's value with its ${...} references expanded, as the service would see it. */
    private static String resolved(Properties properties, String key) {
        String value = properties.getProperty(key);
        assertThat(value).as("property %s", key).isNotNull();
        for (int depth = 0; depth < 10; depth++) {
            Matcher reference = PROPERTY_REFERENCE.matcher(value);
            if (!reference.find()) {
                return value;
            }
            value = reference.replaceFirst(Matcher.quoteReplacement(resolved(properties, reference.group(1))));
        }
        return fail("property %s refers to itself", key);
    }

    /** Explicit env names plus those an envFrom brings in (every key of the ConfigMap or Secret, prefixed). */
    private static List<String> envNames(JsonNode container) {
        List<String> names = new ArrayList<>();
        stream(container.path("env"))
                .forEach(variable -> names.add(variable.path("name").asText()));
        for (JsonNode source : stream(container.path("envFrom")).toList()) {
            String prefix = source.path("prefix").asText("");
            if (source.has("configMapRef")) {
                dataKeys("ConfigMap", source.at("/configMapRef/name").asText()).forEach(key -> names.add(prefix + key));
            }
            if (source.has("secretRef")) {
                dataKeys("Secret", source.at("/secretRef/name").asText()).forEach(key -> names.add(prefix + key));
            }
        }
        return names;
    }

    // ---------------------------------------------------------------- the rendered objects

    /** A rendered object or container that failure messages show by kind and name, not as its whole JSON. */
    private record Shown(String label, JsonNode node) {
        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * {@code from} (an env entry or envFrom) reads {@code key} of the {@code kind} {@code name}; a null key: all of it.
     */
    private record Reference(String from, String kind, String name, String key) {
        @Override
        public String toString() {
            return from + " -> " + kind + " " + name + (key == null ? "" : " key " + key);
        }
    }

    private static List<Shown> shown(List<JsonNode> objects) {
        return objects.stream()
                .map(object -> new Shown(
                        object.has("kind") ? kind(object) + " " + name(object) : "container " + name(object), object))
                .toList();
    }

    private static List<JsonNode> manifests() {
        assumeTrue(rendered != null, () -> notRenderedBecause);
        return rendered;
    }

    private static List<JsonNode> ofKind(String kind) {
        return manifests().stream().filter(object -> kind(object).equals(kind)).toList();
    }

    private static List<JsonNode> named(String kind, String name) {
        return ofKind(kind).stream().filter(object -> name(object).equals(name)).toList();
    }

    private static JsonNode single(String kind, String name) {
        List<JsonNode> found = named(kind, name);
        assertThat(found).as("%s %s", kind, name).hasSize(1);
        return found.get(0);
    }

    /** A ConfigMap or Secret that kustomize generated: its name carries a content hash. */
    private static Optional<JsonNode> generated(String kind, String baseName) {
        Pattern generatedName = Pattern.compile(Pattern.quote(baseName) + GENERATED_SUFFIX);
        List<JsonNode> found = ofKind(kind).stream()
                .filter(object -> generatedName.matcher(name(object)).matches())
                .toList();
        assertThat(found).as("%s named %s", kind, baseName).hasSizeLessThanOrEqualTo(1);
        return found.stream().findFirst();
    }

    private static List<JsonNode> workloads() {
        return manifests().stream()
                .filter(object ->
                        Set.of("Deployment", "StatefulSet", "DaemonSet").contains(kind(object)))
                .toList();
    }

    private static List<JsonNode> containers(JsonNode workload) {
        List<JsonNode> containers = new ArrayList<>(
                stream(workload.at("/spec/template/spec/containers")).toList());
        containers.addAll(
                stream(workload.at("/spec/template/spec/initContainers")).toList());
        return containers;
    }

    private static List<JsonNode> allContainers() {
        List<JsonNode> containers = workloads().stream()
                .flatMap(workload -> containers(workload).stream())
                .toList();
        assertThat(containers).as("containers of all workloads").isNotEmpty();
        return containers;
    }

    private static JsonNode container(JsonNode workload, String name) {
        List<JsonNode> found = containers(workload).stream()
                .filter(container -> name(container).equals(name))
                .toList();
        assertThat(found)
                .as("container %s of %s %s", name, kind(workload), name(workload))
                .hasSize(1);
        return found.get(0);
    }

    /** The container's env entry of that name, or a missing node. */
    private static JsonNode env(JsonNode container, String name) {
        return stream(container.path("env"))
                .filter(variable -> variable.path("name").asText().equals(name))
                .findFirst()
                .orElse(MissingNode.getInstance());
    }

    /** Where an env entry's value comes from: its literal value, or its valueFrom reference. */
    private static JsonNode valueSource(JsonNode variable) {
        return variable.has("valueFrom") ? variable.path("valueFrom") : variable.path("value");
    }

    /** Kubernetes expands $(NAME) only from entries listed earlier. */
    private static boolean definedBefore(JsonNode container, String earlier, String later) {
        List<String> names = stream(container.path("env"))
                .map(variable -> variable.path("name").asText())
                .toList();
        return names.contains(earlier) && names.indexOf(earlier) < names.indexOf(later);
    }

    private static Set<String> portNames(JsonNode container) {
        return stream(container.path("ports"))
                .map(port -> port.path("name").asText(""))
                .filter(name -> !name.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String containerPort(JsonNode container, String portName) {
        return stream(container.path("ports"))
                .filter(port -> port.path("name").asText().equals(portName))
                .map(port -> port.path("containerPort").asText())
                .findFirst()
                .orElse("");
    }

    private static boolean selects(JsonNode service, JsonNode workload) {
        Map<String, String> selector = labels(service.at("/spec/selector"));
        return !selector.isEmpty()
                && namespace(service).equals(namespace(workload))
                && labels(workload.at("/spec/template/metadata/labels"))
                        .entrySet()
                        .containsAll(selector.entrySet());
    }

    private static Set<String> dataKeys(String kind, String name) {
        Set<String> keys = new TreeSet<>();
        for (JsonNode object : named(kind, name)) {
            keys.addAll(fieldNames(object.path("data")));
            keys.addAll(fieldNames(object.path("stringData")));
        }
        return keys;
    }

    private static Map<String, String> secretValues(JsonNode secret) {
        Map<String, String> values = new TreeMap<>();
        // kustomize v5 folds long base64 values over several lines; the MIME decoder skips the breaks
        secret.path("data")
                .fields()
                .forEachRemaining(entry -> values.put(
                        entry.getKey(),
                        new String(
                                Base64.getMimeDecoder().decode(entry.getValue().asText()), StandardCharsets.UTF_8)));
        secret.path("stringData")
                .fields()
                .forEachRemaining(
                        entry -> values.put(entry.getKey(), entry.getValue().asText()));
        return values;
    }

    private static String repositoryOf(String image) {
        String withoutDigest = image.replaceFirst("@.*$", "");
        return withoutDigest.replaceFirst(":[^/:]+$", "");
    }

    private static String kind(JsonNode object) {
        return object.path("kind").asText("");
    }

    private static String name(JsonNode object) {
        return object.has("metadata")
                ? object.at("/metadata/name").asText("")
                : object.path("name").asText("");
    }

    private static String namespace(JsonNode object) {
        return object.at("/metadata/namespace").asText("");
    }

    private static Map<String, String> labels(JsonNode labels) {
        Map<String, String> map = new TreeMap<>();
        labels.fields()
                .forEachRemaining(
                        entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return map;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    // ---------------------------------------------------------------- rendering

    private static String kustomize(Path kubectl, Path kustomization) throws IOException, InterruptedException {
        // files, not pipes: a chatty stderr (deprecation warnings) can never block the process
        Path out = scratch.resolve("rendered.yaml");
        Path err = scratch.resolve("kustomize.stderr");
        Process process = new ProcessBuilder(kubectl.toString(), "kustomize", kustomization.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(RENDER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(
                    "%s kustomize %s did not finish within %s; stderr:%n%s",
                    kubectl, kustomization, RENDER_TIMEOUT, Files.readString(err));
        }
        assertThat(process.exitValue())
                .as("exit status of %s kustomize %s; stderr:%n%s", kubectl, kustomization, Files.readString(err))
                .isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static List<JsonNode> parseYamlDocuments(String yaml) throws IOException {
        return parseYamlDocuments(yaml, new YAMLMapper());
    }

    private static List<JsonNode> parseYamlDocuments(String yaml, YAMLMapper mapper) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> iterator =
                mapper.readerFor(JsonNode.class).readValues(yaml)) {
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    private static void copyWithoutCredentials(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(from)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(file -> !OPERATOR_FILES.contains(file.getFileName().toString()))
                    .toList();
        }
        for (Path file : files) {
            Path target = to.resolve(from.relativize(file).toString());
            Files.createDirectories(target.getParent());
            Files.copy(file, target);
        }
    }

    /** Like the operator's {@code openssl rand -hex 32}: 256 random bits as 64 hex digits. */
    private static String freshToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Whether git would leave the file (relative to the repository root) out of a commit. */
    private static boolean gitIgnores(Path relative) throws IOException {
        Optional<Path> git = onPath("git");
        if (git.isPresent() && Files.exists(root.resolve(".git"))) {
            try {
                Process process = new ProcessBuilder(
                                git.get().toString(), "-C", root.toString(), "check-ignore", "-q", relative.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (process.waitFor(20, TimeUnit.SECONDS)) {
                    return process.exitValue() == 0;
                }
                process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // no git (a source tarball): the .gitignore beside the manifests must name the file
        Path gitignore = root.resolve(KUBERNETES_DIR).resolve(".gitignore");
        return Files.isRegularFile(gitignore)
                && Files.readAllLines(gitignore).stream()
                        .map(String::strip)
                        .anyMatch(line -> line.equals(relative.getFileName().toString())
                                || line.equals(
                                        "/" + root.resolve(KUBERNETES_DIR).relativize(root.resolve(relative))));
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable)
                .findFirst();
    }
}

package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the optional {@code deploy/k8s/kserve} offline with {@code kubectl kustomize} and checks that KServe would
 * run the worker as an Open Inference Protocol server: v2 over REST and gRPC on the worker's own ports, probes on the
 * protocol's health paths, the weights from KServe's model mount, and an InferenceService bound to that runtime.
 */
class KServeManifestsTest {

    @TempDir
    static Path scratch;

    private static List<JsonNode> rendered;
    private static Properties worker;

    @BeforeAll
    static void render() throws Exception {
        Path root = RepositoryFiles.root();
        worker = new Properties();
        try (var in = Files.newInputStream(root.resolve("services/worker/src/main/resources/application.properties"))) {
            worker.load(in);
        }
        Path out = scratch.resolve("rendered.yaml");
        Path err = scratch.resolve("stderr");
        Process process = new ProcessBuilder(
                        "kubectl",
                        "kustomize",
                        root.resolve("deploy/k8s/kserve").toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize finished");
        assertThat(process.exitValue())
                .as("kubectl kustomize: %s", Files.readString(err))
                .isZero();
        rendered = new ArrayList<>();
        try (MappingIterator<JsonNode> documents =
                new YAMLMapper().readerFor(JsonNode.class).readValues(Files.readString(out, StandardCharsets.UTF_8))) {
            documents.forEachRemaining(rendered::add);
        }
    }

    @Test
    void theRuntimeServesTheProtocolOnTheWorkersPorts() {
        JsonNode runtime = kind("ServingRuntime");
        assertThat(values(runtime.path("spec").path("protocolVersions"))).containsExactly("v2", "grpc-v2");
        JsonNode container = runtime.path("spec").path("containers").get(0);
        assertThat(container.path("image").asText()).startsWith("alexstream/worker-gpu:");
        List<String> ports = stream(container.path("ports"))
                .map(p ->
                        p.path("name").asText() + "=" + p.path("containerPort").asInt())
                .toList();
        assertThat(ports)
                .containsExactly(
                        "http1=" + worker.getProperty("quarkus.http.port"),
                        "h2c=" + worker.getProperty("quarkus.grpc.server.port"));
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/v2/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/v2/health/live");
        assertThat(stream(container.path("env"))
                        .map(e ->
                                e.path("name").asText() + "=" + e.path("value").asText()))
                .contains("ALEXSTREAM_WORKER_WEIGHTS_FILE=/mnt/models/weights.alxw");
    }

    @Test
    void theInferenceServiceUsesThatRuntimeForItsFormat() {
        JsonNode runtime = kind("ServingRuntime");
        JsonNode model = kind("InferenceService").path("spec").path("predictor").path("model");
        assertThat(model.path("runtime").asText())
                .isEqualTo(runtime.path("metadata").path("name").asText());
        assertThat(model.path("protocolVersion").asText()).isEqualTo("v2");
        assertThat(stream(runtime.path("spec").path("supportedModelFormats"))
                        .map(f -> f.path("name").asText()))
                .contains(model.path("modelFormat").path("name").asText());
        assertThat(model.path("storageUri").asText()).isNotBlank();
    }

    private static JsonNode kind(String kind) {
        return rendered.stream()
                .filter(d -> d.path("kind").asText().equals(kind))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
    }

    private static List<String> values(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }
}

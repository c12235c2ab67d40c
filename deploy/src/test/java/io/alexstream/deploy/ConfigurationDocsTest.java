package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tier: plain unit (reads sources, starts nothing). docs/configuration.md against the code: every key a service
 * defines has a row in that service's table, and every {@code alexstream.*} key the tables list is one that service
 * defines, so the reference can neither miss a new key nor keep a removed one.
 *
 * <p>Which keys count, from {@link ServiceConfigKeys}: every {@code alexstream.*} and {@code kafka.*} key (the
 * {@code @ConfigMapping} properties and the keys of application.properties, test profile included), and the
 * {@code quarkus.*} keys that the service's application.properties sets. Left out: the {@code mp.messaging.*} channel
 * wiring, which docs/architecture.md lists as the Kafka contract, and Quarkus's own keys that no application.properties
 * sets (TLS, for one), which the page names in prose and which Quarkus documents.
 */
class ConfigurationDocsTest {

    private static final Path DOCUMENT = RepositoryFiles.root().resolve("docs/configuration.md");
    /** A table row's first cell: one or more backticked keys, comma-separated. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\|\\s*(`[^|]+)\\|");

    private static final Pattern KEY = Pattern.compile("`([^`]+)`");

    @ParameterizedTest
    @ValueSource(strings = {"ingest", "worker", "trainer"})
    void everyKeyTheServiceDefinesIsDocumented(String service) throws IOException {
        Set<String> documented = documentedKeys(Files.readString(DOCUMENT, StandardCharsets.UTF_8), service);
        assertThat(missing(countedKeys(service), documented))
                .as("keys of services/%s missing from its table in docs/configuration.md", service)
                .isEmpty();
    }

    @Test
    void everyDocumentedAlexstreamKeyExists() throws IOException {
        String document = Files.readString(DOCUMENT, StandardCharsets.UTF_8);
        Set<String> unknown = new TreeSet<>();
        for (String service : List.of("ingest", "worker", "trainer")) {
            Set<String> known = ServiceConfigKeys.keys(service);
            documentedKeys(document, service).stream()
                    .filter(key -> key.startsWith("alexstream.") && !known.contains(key))
                    .forEach(key -> unknown.add(service + ": " + key));
        }
        assertThat(unknown)
                .as("alexstream.* keys in docs/configuration.md that the service does not define")
                .isEmpty();
    }

    @Test
    void theCheckCatchesADeletedRow() throws IOException {
        String document = Files.readString(DOCUMENT, StandardCharsets.UTF_8);
        String withoutRow = document.replaceFirst("(?m)^\\| `alexstream\\.worker\\.top-k` \\|.*\\n", "");
        assertThat(withoutRow).isNotEqualTo(document);
        assertThat(missing(countedKeys("worker"), documentedKeys(withoutRow, "worker")))
                .containsExactly("alexstream.worker.top-k");
        // a row under another service's heading does not count for this one
        assertThat(documentedKeys(document, "ingest")).doesNotContain("alexstream.worker.top-k");
    }

    /** The keys of {@code services/<service>} that must have a row (see the class comment). */
    static Set<String> countedKeys(String service) throws IOException {
        Set<String> counted = new TreeSet<>();
        for (String key : ServiceConfigKeys.keys(service)) {
            if (key.startsWith("alexstream.") || key.startsWith("kafka.")) {
                counted.add(key);
            }
        }
        for (String key : ServiceConfigKeys.applicationProperties(service).stringPropertyNames()) {
            String withoutProfile = key.replaceFirst("^%[^.]+\\.", "");
            if (withoutProfile.startsWith("quarkus.")) {
                counted.add(withoutProfile);
            }
        }
        return counted;
    }

    /** The keys in the first column of the tables under {@code ## <service>}, up to the next {@code ## } heading. */
    static Set<String> documentedKeys(String document, String service) {
        Matcher heading =
                Pattern.compile("(?m)^## " + Pattern.quote(service) + "\\s*$").matcher(document);
        assertThat(heading.find())
                .as("a '## %s' section in docs/configuration.md", service)
                .isTrue();
        int end = document.indexOf("\n## ", heading.end());
        String section = document.substring(heading.end(), end < 0 ? document.length() : end);
        Set<String> keys = new TreeSet<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            Matcher key = KEY.matcher(row.group(1));
            while (key.find()) {
                keys.add(key.group(1));
            }
        }
        return keys;
    }

    private static List<String> missing(Set<String> counted, Set<String> documented) {
        List<String> missing = new ArrayList<>(counted);
        missing.removeAll(documented);
        return missing;
    }
}

package io.alexstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain. The Kafka topics and record limits agree across the services and the deployment
 * material: every topic a service reads or writes is created by docker-compose.yml's
 * {@code kafka-topics} and declared in {@code deploy/k8s/kafka/topics.yaml}, with the same
 * partitions; and no producer may send a record larger than its topic accepts. A producer's
 * {@code max.request.size} bounds what it sends (Kafka's default, 1 MiB, when unset); the broker
 * refuses a record batch above {@code message.max.bytes} (compose sets it for the whole broker)
 * or the topic's {@code max.message.bytes} (the Strimzi topics), and such a refusal is final: the
 * record can be neither published nor dead-lettered.
 */
class KafkaTopicsTest {

    private static final Path ROOT = RepositoryFiles.root();
    /** Kafka's producer default for max.request.size. */
    private static final long DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    private static final Pattern OUTGOING_CONNECTOR =
            Pattern.compile("mp\\.messaging\\.outgoing\\.([^.]+)\\.connector");
    private static final Pattern INCOMING_TOPIC = Pattern.compile("mp\\.messaging\\.incoming\\.([^.]+)\\.topic");
    /** A property's profile; %test and %dev never run against a deployment. */
    private static final Pattern PROFILE = Pattern.compile("^%([^.]+)\\.");

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");
    /** The compose init container's list: {@code for topic in images:4 images.labeled:2 ...; do}. */
    private static final Pattern COMPOSE_TOPICS = Pattern.compile("for topic in ([^;]+); do");
    /** A limit quoted in the documentation: the setting's name, then the first number after it on that line. */
    private static final Pattern QUOTED_LIMIT = Pattern.compile(
            "(message\\.max\\.bytes|max\\.message\\.bytes|KAFKA_MESSAGE_MAX_BYTES)[^0-9\\n]{0,60}([0-9][0-9,]*)");

    /** One Kafka producer channel of a service, and the largest request it may send. */
    record Producer(String module, String channel, String topic, long maxRequestSize) {}

    private static List<Producer> producers;
    private static Set<String> serviceTopics;

    @BeforeAll
    static void readServices() throws IOException {
        producers = new ArrayList<>();
        serviceTopics = new TreeSet<>();
        try (Stream<Path> modules = Files.list(ROOT.resolve("services"))) {
            for (Path module : modules.sorted().toList()) {
                Path file = module.resolve("src/main/resources/application.properties");
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                Properties properties = new Properties();
                try (Reader reader = Files.newBufferedReader(file)) {
                    properties.load(reader);
                }
                read(module.getFileName().toString(), properties);
            }
        }
        assertThat(producers)
                .as("Kafka producer channels of the services")
                .extracting(Producer::module)
                .contains("ingest", "worker", "trainer");
    }

    private static void read(String module, Properties properties) {
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            if (!deployed(key)) {
                continue;
            }
            String plain = PROFILE.matcher(key).replaceFirst("");
            if (plain.startsWith("alexstream.topics.")) {
                serviceTopics.add(resolve(properties, properties.getProperty(key)));
            }
            Matcher incoming = INCOMING_TOPIC.matcher(plain);
            if (incoming.matches()) {
                serviceTopics.add(resolve(properties, properties.getProperty(key)));
            }
            Matcher outgoing = OUTGOING_CONNECTOR.matcher(plain);
            if (outgoing.matches() && properties.getProperty(key).equals("smallrye-kafka")) {
                String channel = outgoing.group(1);
                String prefix = "mp.messaging.outgoing." + channel + ".";
                String topic = resolve(properties, properties.getProperty(prefix + "topic", channel));
                // the largest value any deployed profile gives it
                long max = properties.stringPropertyNames().stream()
                        .filter(KafkaTopicsTest::deployed)
                        .filter(name -> PROFILE.matcher(name).replaceFirst("").equals(prefix + "max.request.size"))
                        .mapToLong(name -> Long.parseLong(resolve(properties, properties.getProperty(name))
                                .strip()))
                        .max()
                        .orElse(DEFAULT_MAX_REQUEST_SIZE);
                producers.add(new Producer(module, channel, topic, max));
                serviceTopics.add(topic);
            }
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void everyProducerFitsTheComposeBroker() throws IOException {
        long broker = Long.parseLong(composeService("kafka")
                .path("environment")
                .path("KAFKA_MESSAGE_MAX_BYTES")
                .asText("1048588"));
        Map<String, Long> limits = new TreeMap<>();
        composeTopics().keySet().forEach(topic -> limits.put(topic, broker));
        assertThat(oversized(producers, limits))
                .as("producers whose max.request.size docker-compose.yml's broker (%d) would refuse", broker)
                .isEmpty();
    }

    @Test
    void everyProducerFitsItsKubernetesTopic() throws IOException {
        Map<String, Long> limits = new TreeMap<>();
        strimziTopics()
                .forEach((topic, spec) -> limits.put(
                        topic, spec.path("config").path("max.message.bytes").asLong(1_048_588)));
        assertThat(oversized(producers, limits))
                .as("producers whose max.request.size deploy/k8s/kafka/topics.yaml refuses")
                .isEmpty();
    }

    @Test
    void theLimitCheckCatchesAProducerAboveItsTopic() {
        // the limits of before: ingest sent a 20 MiB image plus headers to a broker that took 20 MiB
        List<Producer> before = List.of(
                new Producer("ingest", "images-out", "images", 20_972_544),
                new Producer("worker", "dead-letters-out", "images.dead-letter", 2_097_152));
        assertThat(oversized(before, Map.of("images", 20_971_520L, "images.dead-letter", 20_971_520L)))
                .containsExactly("ingest images-out -> images: max.request.size 20972544 > 20971520");
        assertThat(oversized(before, Map.of("images", 20_972_544L)))
                .containsExactly("worker dead-letters-out -> images.dead-letter: no such topic");
    }

    @Test
    void theDocumentationQuotesNoSmallerLimit() throws IOException {
        long largest =
                producers.stream().mapToLong(Producer::maxRequestSize).max().orElseThrow();
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        for (String dir : List.of("deploy", "docs")) {
            if (!Files.isDirectory(ROOT.resolve(dir))) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                walk.filter(file -> file.toString().endsWith(".md")
                                && !file.toString().contains("/target/"))
                        .forEach(documents::add);
            }
        }
        List<String> quoted = new ArrayList<>();
        for (Path document : documents) {
            Matcher limit = QUOTED_LIMIT.matcher(Files.readString(document));
            while (limit.find()) {
                long value = Long.parseLong(limit.group(2).replace(",", ""));
                if (value < largest) {
                    quoted.add(ROOT.relativize(document) + ": " + limit.group());
                }
            }
        }
        assertThat(quoted)
                .as("record limits quoted below the largest producer's max.request.size (%d)", largest)
                .isEmpty();
    }

    // ---------------------------------------------------------------- topics

    @Test
    void composeCreatesEveryTopicTheServicesUseWithTheKubernetesPartitions() throws IOException {
        Map<String, Integer> compose = composeTopics();
        assertThat(compose.keySet())
                .as("topics docker-compose.yml's kafka-topics creates, against those the services name")
                .isEqualTo(serviceTopics);
        Map<String, Integer> kubernetes = new TreeMap<>();
        strimziTopics()
                .forEach((topic, spec) ->
                        kubernetes.put(topic, spec.path("partitions").asInt()));
        assertThat(kubernetes)
                .as("topics and partitions of deploy/k8s/kafka/topics.yaml, against docker-compose.yml's")
                .isEqualTo(compose);
    }

    @Test
    void theWorkersScaleToTheImagesTopicsPartitions() throws IOException {
        JsonNode scaled = new YAMLMapper()
                .readTree(
                        ROOT.resolve("deploy/k8s/base/worker-autoscaling.yaml").toFile());
        String sizedFor = scaled.at("/metadata/annotations")
                .path("alexstream.io/images-topic-partitions")
                .asText();
        assertThat(strimziTopics().get("images").path("partitions").asText())
                .as("partitions of images in topics.yaml, against the partition count the ScaledObject was sized for")
                .isEqualTo(sizedFor);
    }

    // ---------------------------------------------------------------- reading

    /** Each producer whose largest request its topic's limit refuses, or whose topic has no limit here. */
    static List<String> oversized(List<Producer> producers, Map<String, Long> limitByTopic) {
        List<String> problems = new ArrayList<>();
        for (Producer producer : producers) {
            String what = producer.module() + " " + producer.channel() + " -> " + producer.topic() + ": ";
            Long limit = limitByTopic.get(producer.topic());
            if (limit == null) {
                problems.add(what + "no such topic");
            } else if (producer.maxRequestSize() > limit) {
                problems.add(what + "max.request.size " + producer.maxRequestSize() + " > " + limit);
            }
        }
        return problems;
    }

    private static boolean deployed(String key) {
        Matcher profile = PROFILE.matcher(key);
        return !profile.find() || !Set.of("test", "dev").contains(profile.group(1));
    }

    private static String resolve(Properties properties, String value) {
        for (int depth = 0; depth < 10; depth++) {
            Matcher reference = REFERENCE.matcher(value);
            if (!reference.find()) {
                return value;
            }
            String replacement = properties.getProperty(reference.group(1), reference.group(2));
            assertThat(replacement)
                    .as("property %s that %s refers to", reference.group(1), value)
                    .isNotNull();
            value = value.substring(0, reference.start()) + replacement + value.substring(reference.end());
        }
        throw new AssertionError("a property refers to itself: " + value);
    }

    private static JsonNode composeService(String name) throws IOException {
        return new YAMLMapper()
                .readTree(ROOT.resolve("docker-compose.yml").toFile())
                .path("services")
                .path(name);
    }

    /** Topic name to partitions, from the compose init container's script. */
    private static Map<String, Integer> composeTopics() throws IOException {
        StringBuilder script = new StringBuilder();
        composeService("kafka-topics")
                .path("command")
                .forEach(part -> script.append(part.asText()).append('\n'));
        Matcher list = COMPOSE_TOPICS.matcher(script);
        assertThat(list.find())
                .as("`for topic in NAME:PARTITIONS ...; do` in kafka-topics' command")
                .isTrue();
        Map<String, Integer> topics = new TreeMap<>();
        for (String entry : list.group(1).trim().split("\\s+")) {
            int colon = entry.lastIndexOf(':');
            topics.put(entry.substring(0, colon), Integer.parseInt(entry.substring(colon + 1)));
        }
        return topics;
    }

    /** Topic name to the spec of its Strimzi KafkaTopic. */
    private static Map<String, JsonNode> strimziTopics() throws IOException {
        Map<String, JsonNode> topics = new TreeMap<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper()
                .readerFor(JsonNode.class)
                .readValues(ROOT.resolve("deploy/k8s/kafka/topics.yaml").toFile())) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document == null || document.isNull() || document.isMissingNode()) {
                    continue;
                }
                assertThat(document.path("kind").asText())
                        .as("kind of a document in topics.yaml")
                        .isEqualTo("KafkaTopic");
                JsonNode spec = document.path("spec");
                topics.put(
                        spec.path("topicName")
                                .asText(document.at("/metadata/name").asText()),
                        spec);
            }
        }
        return topics;
    }
}

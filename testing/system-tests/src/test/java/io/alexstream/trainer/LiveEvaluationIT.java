package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.engine.model.Profiles;
import io.alexstream.local.ServiceProcess;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.kafka.RecordHeaders;
import io.alexstream.testing.kafka.TestBroker;
import io.alexstream.testing.metrics.PrometheusText;
import io.alexstream.testing.weights.SeedWeights;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: integration, the trainer's live evaluator between real processes: a KRaft broker, one packaged worker serving
 * seeded version 7 and the packaged trainer (prod profile, so its evaluator runs) with a 5 s window. Sixteen images go
 * through the worker; late labels, produced as ingest's {@code POST /v1/labels} writes them, with record times set
 * relative to each prediction's, are then joined. One stack, three ordered steps:
 *
 * <ol>
 *   <li>the join: labels within the window (the bound included) counted for version 7 on {@code evaluations},
 *       {@code /v1/status} and the gauges; a repeat a duplicate, a different second label conflicting, an image never
 *       classified {@code unknown_id}, a label 6 s after its prediction {@code out_of_window};
 *   <li>review: the worker copies exactly the images its thresholds call uncertain to {@code images.review}; a first
 *       label for one of them makes one {@code source=review} example on {@code images.labeled} (a label for an image
 *       not copied makes none), which the trainer stores;
 *   <li>restart: the trainer SIGKILLed right after more labels were sent and started again on its data directory: every
 *       outcome and figure comes back, the labels in flight are counted once, and the committed {@code evaluations}
 *       records count 1, 2, ... without a gap or a repeat.
 * </ol>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveEvaluationIT {

    private static final Logger LOG = Logger.getLogger(LiveEvaluationIT.class);
    /**
     * Fixed ports below Linux's ephemeral range (32768-60999) and apart from the other system tests' (21180-21480,
     * 28080+): the trainer on this one, the worker's HTTP and gRPC on the next two.
     */
    static final int BASE_PORT = 22380;

    static final long VERSION = 7;
    static final Duration WINDOW = Duration.ofSeconds(5);
    static final int IMAGES = 16;
    /**
     * The worker copies a prediction to review below this top-1 probability (its default is 0.5) or with at least the
     * next share of its ten crops disagreeing. The seeded version is untrained: its top-1 probabilities lie between
     * 0.143 and 0.153 and its crops disagree 0, 0.1 or 0.2, so these copy some images for each reason and leave most.
     */
    static final double REVIEW_BELOW_TOP1 = 0.146;

    static final double REVIEW_FROM_DISAGREEMENT = 0.2;

    static final String EVALUATOR_GROUP = "alexstream-evaluator";
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final List<String> CLASSES = Profiles.small().classNames();

    @TempDir
    static Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestBroker kafka;
    private Admin admin;
    private ServiceProcess worker;
    private ServiceProcess trainer;
    private KafkaProducer<String, byte[]> producer;
    private TopicLog predictions;
    private TopicLog review;
    private TopicLog evaluations;
    private TopicLog labelled;

    /** Image id to the PNG sent. */
    private final Map<String, byte[]> images = new TreeMap<>();
    /** Image id to the worker's first prediction of it. */
    private final Map<String, Answer> answers = new TreeMap<>();
    /** The images the worker copied to review (read from images.review). */
    private final Set<String> routed = new TreeSet<>();
    /** Image id to the first label the evaluator remembered for it, as sent: what its review example must carry. */
    private final Map<String, String> firstLabels = new LinkedHashMap<>();
    /** Image id to the true class of its label the evaluator must have joined (first, within the window). */
    private final Map<String, Integer> joins = new LinkedHashMap<>();

    /** One prediction as the evaluator reads it: record time, top classes, top-1 probability, crops. */
    record Answer(long timestamp, int[] top, double top1Probability, int crops, double disagreement) {
        int top1() {
            return top[0];
        }

        /** A class outside the top-5. */
        int outsideTop() {
            return IntStream.range(0, CLASSES.size())
                    .filter(c -> Arrays.stream(top).noneMatch(t -> t == c))
                    .findFirst()
                    .orElseThrow();
        }
    }

    @BeforeAll
    void startTheStack() throws Exception {
        kafka = TestBroker.start(
                dir.resolve("kafka"),
                Map.of(
                        Topics.IMAGES, 2,
                        Topics.PREDICTIONS, 2,
                        Topics.LABELS, 2,
                        Topics.REVIEW, 2,
                        Topics.LABELED, 2,
                        Topics.EVALUATIONS, 1,
                        Topics.DEAD_LETTERS, 1,
                        Topics.LABELED_DEAD_LETTERS, 1));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        Path weights = SeedWeights.write(
                SeedWeights.small(11, 90f, SeedWeights.version(VERSION, null, Map.of())),
                dir.resolve("seed-v" + VERSION + ".alxw"));
        worker = ServiceProcess.quarkusApp("worker", app("worker"))
                .jvmOption("-Xmx1g")
                .port(BASE_PORT + 1)
                .separateGrpcPort(BASE_PORT + 2)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.id", "worker-live")
                .property("alexstream.worker.weights-file", weights)
                .property("alexstream.worker.state-dir", dir.resolve("worker"))
                .property("alexstream.worker.review.max-top1-probability", REVIEW_BELOW_TOP1)
                .property("alexstream.worker.review.min-crop-disagreement", REVIEW_FROM_DISAGREEMENT)
                // no copy skipped by the rate limit: which images are copied is the thresholds' call alone
                .property("alexstream.worker.review.max-per-second", 1000)
                .log(dir.resolve("worker.log"))
                .start();
        trainer = startTrainer();
        producer = producer();
        predictions = new TopicLog(Topics.PREDICTIONS, false);
        review = new TopicLog(Topics.REVIEW, false);
        evaluations = new TopicLog(Topics.EVALUATIONS, true);
        labelled = new TopicLog(Topics.LABELED, true);

        worker.awaitReady(Duration.ofSeconds(120));
        for (int i = 0; i < IMAGES; i++) {
            String id = String.format("live-%02d", i);
            byte[] png = EncodedImages.noisePng(24 + 3 * i, 40 - i, 100 + i);
            images.put(id, png);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, id, png);
            record.headers().add(Headers.IMAGE_ID, utf8(id));
            record.headers().add(Headers.CONTENT_TYPE, utf8("image/png"));
            producer.send(record).get();
        }
        await("a prediction for each image", () -> predictions.firstByKey().size(), n -> n == IMAGES);
        for (ConsumerRecord<String, byte[]> record : predictions.firstByKey().values()) {
            JsonNode prediction = json.readTree(record.value());
            assertThat(prediction.path("model_version").asLong()).isEqualTo(VERSION);
            JsonNode top = prediction.path("top");
            int[] classes = new int[top.size()];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = top.get(i).path("index").asInt();
            }
            answers.put(
                    record.key(),
                    new Answer(
                            record.timestamp(),
                            classes,
                            top.get(0).path("probability").asDouble(),
                            prediction.path("crops_used").asInt(),
                            prediction.path("crop_disagreement").asDouble()));
        }
        answers.forEach((id, a) -> LOG.infof(
                "%s: top %s, p %.4f, crops %d, disagreement %.2f",
                id, Arrays.toString(a.top()), a.top1Probability(), a.crops(), a.disagreement()));
        trainer.awaitReady(Duration.ofSeconds(120));
        // every prediction kept for the join before the first label arrives
        await(
                "the evaluator keeping the 16 predictions",
                () -> counts("alexstream_evaluation_predictions_total"),
                c -> c.getOrDefault("kept", 0L) == IMAGES);
    }

    @AfterAll
    void stopTheStack() throws Exception {
        for (AutoCloseable closeable :
                new AutoCloseable[] {predictions, review, evaluations, labelled, producer, admin}) {
            if (closeable != null) {
                closeable.close();
            }
        }
        if (trainer != null) {
            trainer.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void lateLabelsAreJoinedOncePerImageWithinTheWindow() throws Exception {
        Answer right = answers.get("live-00");
        Answer secondBest = answers.get("live-01");
        Answer wrong = answers.get("live-02");
        Answer atTheBound = answers.get("live-03");
        Answer tooLate = answers.get("live-04");
        joined("live-00", right.top1(), 1000);
        // by class name, as a labeller may send it: in the top-5, not the top-1
        label("live-01", CLASSES.get(secondBest.top()[1]), secondBest.timestamp() + 1500);
        joins.put("live-01", secondBest.top()[1]);
        joined("live-02", wrong.outsideTop(), 2000);
        joined("live-03", atTheBound.top1(), WINDOW.toMillis());
        label("live-04", Integer.toString(tooLate.top1()), tooLate.timestamp() + WINDOW.toMillis() + 1000);
        label("live-00", Integer.toString(right.top1()), right.timestamp() + 3000); // the same again
        label("live-01", Integer.toString(secondBest.outsideTop()), secondBest.timestamp() + 3000); // another
        label("never-classified", "3", right.timestamp() + 1000);

        awaitEvaluation(labelOutcomes(4, 1, 1, 1, 1), 4);
        assertFigures(4, 2, 3);
    }

    @Test
    @Order(2)
    void uncertainImagesGoToReviewAndTheirFirstLabelMakesOneTrainingExample() throws Exception {
        Set<String> uncertain = answers.entrySet().stream()
                .filter(e -> e.getValue().top1Probability() < REVIEW_BELOW_TOP1
                        || (e.getValue().crops() > 1 && e.getValue().disagreement() >= REVIEW_FROM_DISAGREEMENT))
                .map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(uncertain)
                .as("images the thresholds call uncertain; predictions %s", answers)
                .isNotEmpty()
                .hasSizeLessThan(IMAGES);
        await(
                "a review copy of each uncertain image",
                () -> review.firstByKey().keySet(),
                k -> k.containsAll(uncertain));
        Thread.sleep(1000); // a copy the thresholds do not call for would have come with its prediction, before this
        review.poll();
        routed.addAll(review.firstByKey().keySet());
        assertThat(routed).as("images copied to review").isEqualTo(uncertain);
        assertThat(review.records()).as("review copies").hasSize(routed.size());
        for (ConsumerRecord<String, byte[]> copy : review.records()) {
            assertThat(copy.value()).as("the image as sent").isEqualTo(images.get(copy.key()));
            assertThat(RecordHeaders.text(copy, Headers.IMAGE_ID)).isEqualTo(copy.key());
            assertThat(RecordHeaders.text(copy, Headers.CONTENT_TYPE)).isEqualTo("image/png");
            assertThat(json.readTree(RecordHeaders.text(copy, Headers.PREDICTION))
                            .path("image_id")
                            .asText())
                    .isEqualTo(copy.key());
        }

        // first labels for an image that was copied and for one that was not, both joined (right)
        String copied = unlabelled(true);
        String notCopied = unlabelled(false);
        joined(copied, answers.get(copied).top1(), 1000);
        joined(notCopied, answers.get(notCopied).top1(), 1000);

        awaitEvaluation(labelOutcomes(6, 1, 1, 1, 1), 6);
        assertFigures(6, 4, 5);
        Set<String> expected = expectedExamples();
        assertExamples(expected);
        assertThat(reviewExamples()).containsKey(copied).doesNotContainKey(notCopied);
        assertThat(counts("alexstream_evaluation_review_copies_total"))
                .as("review copies the evaluator read")
                .isEqualTo(Map.of("kept", (long) routed.size(), "duplicate", 0L, "malformed", 0L, "dropped", 0L));
        JsonNode stored = await(
                "the trainer storing the review examples",
                () -> status().path("examples"),
                e -> e.path("stored").asLong() >= expected.size());
        assertThat(stored.path("stored").asLong()).isEqualTo(expected.size());
    }

    @Test
    @Order(3)
    void aTrainerKilledWithLabelsInFlightLosesAndDoublesNoJoin() throws Exception {
        awaitSettled(labelOutcomes(6, 1, 1, 1, 1), 6);
        assertFigures(6, 4, 5);

        // first labels for two copied images (so that their examples are at stake too), then the kill
        String first = unlabelled(true);
        joined(first, answers.get(first).top1(), 1000);
        String second = unlabelled(true);
        joined(second, answers.get(second).top1(), 1000);
        long killedPid = trainer.pid();
        trainer.kill();
        assertThat(trainer.isAlive()).isFalse();
        List<TopicPartition> labels = partitions(Topics.LABELS);
        LOG.infof(
                "killed the trainer; the evaluator had committed %s of the labels up to %s",
                committed(labels), ends(labels));
        trainer = startTrainer();
        trainer.awaitReady(Duration.ofSeconds(120));
        assertThat(trainer.pid()).isNotEqualTo(killedPid);

        // what was committed comes back; the two labels count once, whether or not they were committed before the kill
        awaitEvaluation(labelOutcomes(8, 1, 1, 1, 1), 8);
        assertFigures(8, 6, 7);

        // a repeat of a label from before the kill and of one that was in flight, and a new wrong one
        Answer atTheBound = answers.get("live-03");
        label("live-03", Integer.toString(atTheBound.top1()), atTheBound.timestamp() + 4000);
        label(
                first,
                Integer.toString(answers.get(first).top1()),
                answers.get(first).timestamp() + 2000);
        String last = unlabelled(false);
        joined(last, answers.get(last).outsideTop(), 1000);

        awaitSettled(labelOutcomes(9, 3, 1, 1, 1), 9);
        assertFigures(9, 6, 7);
        Set<String> expected = expectedExamples();
        assertExamples(expected);
        assertThat(reviewExamples()).as("examples of the labels in flight").containsKeys(first, second);
        JsonNode stored = await(
                "the restarted trainer storing the examples",
                () -> status().path("examples"),
                e -> e.path("stored").asLong() >= expected.size());
        assertThat(stored.path("stored").asLong())
                .as("examples the restarted trainer holds")
                .isEqualTo(expected.size());
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The label outcome counters as they must read: every outcome named, malformed none. */
    private static Map<String, Long> labelOutcomes(
            long joined, long duplicate, long conflicting, long unknownId, long outOfWindow) {
        return Map.of(
                "joined", joined,
                "duplicate", duplicate,
                "conflicting", conflicting,
                "unknown_id", unknownId,
                "out_of_window", outOfWindow,
                "malformed", 0L);
    }

    /**
     * Waits until the outcome counters read {@code outcomes} and the last committed evaluation of version 7 counts
     * {@code labelled}, every committed evaluation so far one more than the one before; fails as soon as a counter
     * passes its number or an evaluation repeats or skips a count.
     */
    private void awaitEvaluation(Map<String, Long> outcomes, long labelled) throws Exception {
        await(
                "label outcomes " + outcomes,
                () -> {
                    Map<String, Long> now = counts("alexstream_evaluation_labels_total");
                    now.forEach((outcome, n) -> assertThat(n)
                            .as("label outcome %s (all %s; to reach %s)", outcome, now, outcomes)
                            .isLessThanOrEqualTo(outcomes.getOrDefault(outcome, 0L)));
                    return now;
                },
                outcomes::equals);
        await(
                "a committed evaluation of version " + VERSION + " with labelled=" + labelled,
                () -> {
                    List<Long> counted = labelledSequence();
                    assertThat(counted)
                            .as("labelled in each committed evaluation of version %d", VERSION)
                            .isEqualTo(oneTo(counted.size()))
                            .hasSizeLessThanOrEqualTo((int) labelled);
                    return counted;
                },
                counted -> counted.size() == labelled);
        assertThat(status().path("live")
                        .path(Long.toString(VERSION))
                        .path("labelled")
                        .asLong())
                .as("/v1/status live labelled")
                .isEqualTo(labelled);
        assertThat(metric("alexstream_evaluation_labelled{version=\"" + VERSION + "\"}"))
                .isEqualTo((double) labelled);
    }

    /**
     * As {@link #awaitEvaluation}, and further: the evaluator committed its input offsets up to the ends of the
     * predictions, labels and review topics, and the counters still read the same (nothing counted twice later).
     */
    private void awaitSettled(Map<String, Long> outcomes, long labelled) throws Exception {
        awaitEvaluation(outcomes, labelled);
        List<TopicPartition> inputs = partitions(Topics.PREDICTIONS, Topics.LABELS, Topics.REVIEW);
        Map<TopicPartition, Long> ends = ends(inputs);
        await("the evaluator's offsets committed to the ends " + ends, () -> committed(inputs), ends::equals);
        assertThat(counts("alexstream_evaluation_labels_total")).isEqualTo(outcomes);
        assertThat(labelledSequence()).isEqualTo(oneTo(labelled));
    }

    private static List<TopicPartition> partitions(String... topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            partitions.add(new TopicPartition(topic, 0));
            partitions.add(new TopicPartition(topic, 1));
        }
        return partitions;
    }

    private Map<TopicPartition, Long> ends(List<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
        return ends;
    }

    /** The evaluator's committed offsets (0 where none). */
    private Map<TopicPartition, Long> committed(List<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(EVALUATOR_GROUP)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = offsets.get(partition);
            committed.put(partition, offset == null ? 0L : offset.offset());
        }
        return committed;
    }

    /**
     * The last committed evaluation of version 7 counts these, with the confusion of {@link #joins}; so do
     * {@code /v1/status} and the gauges.
     */
    private void assertFigures(long labelled, long top1Hits, long top5Hits) throws Exception {
        JsonNode evaluation = json.readTree(
                evaluations.records().get(evaluations.records().size() - 1).value());
        assertThat(evaluation.path("model_version").asLong()).isEqualTo(VERSION);
        assertThat(evaluation.path("labelled").asLong()).isEqualTo(labelled);
        assertThat(evaluation.path("top1").asDouble()).isCloseTo((double) top1Hits / labelled, within(1e-9));
        assertThat(evaluation.path("top5").asDouble()).isCloseTo((double) top5Hits / labelled, within(1e-9));
        assertThat(evaluation.path("window_seconds").asLong()).isEqualTo(WINDOW.toSeconds());
        Map<String, Long> cells = new TreeMap<>();
        JsonNode rows = evaluation.path("confusion");
        assertThat(rows.size()).isEqualTo(CLASSES.size());
        for (int actual = 0; actual < rows.size(); actual++) {
            for (int predicted = 0; predicted < rows.get(actual).size(); predicted++) {
                long n = rows.get(actual).get(predicted).asLong();
                if (n != 0) {
                    cells.put(cell(actual, predicted), n);
                }
            }
        }
        Map<String, Long> expectedCells = new TreeMap<>();
        joins.forEach(
                (id, actual) -> expectedCells.merge(cell(actual, answers.get(id).top1()), 1L, Long::sum));
        assertThat(cells).as("confusion (true,predicted): count").isEqualTo(expectedCells);

        JsonNode live = status().path("live").path(Long.toString(VERSION));
        assertThat(live.path("labelled").asLong()).isEqualTo(labelled);
        assertThat(live.path("top1").asDouble()).isCloseTo((double) top1Hits / labelled, within(1e-9));
        assertThat(live.path("top5").asDouble()).isCloseTo((double) top5Hits / labelled, within(1e-9));
        assertThat(live.path("ece").asDouble()).isCloseTo(evaluation.path("ece").asDouble(), within(1e-9));
        String version = "{version=\"" + VERSION + "\"}";
        assertThat(metric("alexstream_evaluation_top1" + version))
                .isCloseTo((double) top1Hits / labelled, within(1e-9));
        assertThat(metric("alexstream_evaluation_top5" + version))
                .isCloseTo((double) top5Hits / labelled, within(1e-9));
    }

    private static String cell(int actual, int predicted) {
        return actual + "," + predicted;
    }

    /** The first label of each image whose worker copied it to review: the source=review examples there must be. */
    private Set<String> expectedExamples() {
        return firstLabels.keySet().stream().filter(routed::contains).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Exactly one committed source=review example per id, with the copy's bytes and the first label as sent. */
    private void assertExamples(Set<String> ids) throws Exception {
        await("source=review examples of " + ids, () -> reviewExamples().keySet(), ids::equals);
        List<ConsumerRecord<String, byte[]>> all = labelled.records();
        assertThat(all).as("records on %s", Topics.LABELED).hasSize(ids.size());
        for (ConsumerRecord<String, byte[]> example : all) {
            assertThat(RecordHeaders.text(example, Headers.SOURCE)).isEqualTo("review");
            assertThat(RecordHeaders.text(example, Headers.IMAGE_ID)).isEqualTo(example.key());
            assertThat(RecordHeaders.text(example, Headers.LABEL))
                    .as("label of %s", example.key())
                    .isEqualTo(firstLabels.get(example.key()));
            assertThat(RecordHeaders.text(example, Headers.CONTENT_TYPE)).isEqualTo("image/png");
            assertThat(example.value()).isEqualTo(images.get(example.key()));
        }
        assertThat(counts("alexstream_evaluation_review_examples_total"))
                .containsEntry("relabelled", (long) ids.size());
    }

    private Map<String, ConsumerRecord<String, byte[]>> reviewExamples() {
        Map<String, ConsumerRecord<String, byte[]>> byId = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> record : labelled.records()) {
            if ("review".equals(RecordHeaders.text(record, Headers.SOURCE))) {
                byId.put(record.key(), record);
            }
        }
        return byId;
    }

    /** The first image (by id) without a label yet that the worker copied to review, or did not. */
    private String unlabelled(boolean copied) {
        List<String> candidates = images.keySet().stream()
                .filter(id -> !firstLabels.containsKey(id))
                .toList();
        return candidates.stream()
                .filter(id -> routed.contains(id) == copied)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no unlabelled image " + (copied ? "" : "not ")
                        + "copied to review among " + candidates + "; copied: " + routed));
    }

    /** A first label of class {@code actual}, this long after the image's prediction: one the evaluator must join. */
    private void joined(String imageId, int actual, long afterMillis) throws Exception {
        label(imageId, Integer.toString(actual), answers.get(imageId).timestamp() + afterMillis);
        joins.put(imageId, actual);
    }

    /** A late label as ingest writes it: key and image-id = the image, header label, an empty value. */
    private void label(String imageId, String label, long timestamp) throws Exception {
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(Topics.LABELS, null, timestamp, imageId, new byte[0]);
        record.headers().add(Headers.IMAGE_ID, utf8(imageId));
        record.headers().add(Headers.LABEL, utf8(label));
        producer.send(record).get();
        Answer answer = answers.get(imageId);
        if (answer != null && !firstLabels.containsKey(imageId)) {
            firstLabels.put(imageId, label);
        }
    }

    private List<Long> labelledSequence() {
        evaluations.poll();
        List<Long> labelledCounts = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : evaluations.records()) {
            assertThat(record.key()).isEqualTo(Long.toString(VERSION));
            try {
                labelledCounts.add(
                        json.readTree(record.value()).path("labelled").asLong());
            } catch (IOException e) {
                throw new AssertionError("an unreadable evaluation: " + record, e);
            }
        }
        return labelledCounts;
    }

    private JsonNode status() throws Exception {
        return json.readTree(http.send(
                        HttpRequest.newBuilder(trainer.uri("/v1/status")).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    private String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(trainer.uri("/q/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private double metric(String series) throws Exception {
        return PrometheusText.value(metrics(), series);
    }

    /** The trainer's counter {@code name}, by its outcome tag. */
    private Map<String, Long> counts(String name) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        String prefix = name + "{outcome=\"";
        metrics().lines().filter(line -> line.startsWith(prefix)).forEach(line -> {
            String outcome = line.substring(prefix.length(), line.indexOf('"', prefix.length()));
            counts.put(outcome, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        });
        return counts;
    }

    /** Polls the topics and probes until {@code done}; fails with the last value and the trainer's log. */
    private <T> T await(String what, Callable<T> probe, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            for (TopicLog log : new TopicLog[] {predictions, review, evaluations, labelled}) {
                if (log != null) {
                    log.poll();
                }
            }
            try {
                last = probe.call();
                if (done.test(last)) {
                    return last;
                }
            } catch (IOException notListeningYet) {
                last = null;
            }
            assertThat(trainer.isAlive()).as("trainer alive").isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("waited " + PATIENCE + " for " + what + "; last " + last + "\ntrainer log "
                + trainer.log() + ":\n" + trainer.logTail());
    }

    private ServiceProcess startTrainer() throws Exception {
        return ServiceProcess.quarkusApp("trainer", app("trainer"))
                .jvmOption("-Xmx1g")
                .port(BASE_PORT)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.trainer.data-dir", dir.resolve("trainer"))
                .property("alexstream.evaluation.window", WINDOW)
                // the killed trainer's labelled-images consumer leaves the group after 6 s instead of 45
                .property("mp.messaging.incoming.labeled-in.session.timeout.ms", 6000)
                .property("mp.messaging.incoming.labeled-in.heartbeat.interval.ms", 1000)
                .log(dir.resolve("trainer.log"))
                .start();
    }

    private static Path app(String service) {
        return Path.of(System.getProperty(service + ".app", "target/apps/" + service + "/quarkus-run.jar"));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** 1, 2, ..., n. */
    private static List<Long> oneTo(long n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    /** Everything on a topic from its beginning, all partitions, committed records only when asked. */
    private final class TopicLog implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

        TopicLog(String topic, boolean readCommitted) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void poll() {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        }

        List<ConsumerRecord<String, byte[]>> records() {
            return records;
        }

        /** The first record of each key. */
        Map<String, ConsumerRecord<String, byte[]>> firstByKey() {
            Map<String, ConsumerRecord<String, byte[]>> first = new TreeMap<>();
            records.forEach(r -> first.putIfAbsent(r.key(), r));
            return first;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}

package io.alexstream.trainer.evaluation;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The live evaluation as a Kafka Streams topology, a pure function of {@link EvaluationSettings}:
 *
 * <ol>
 *   <li>predictions (key = image id) keep the first answer per image and model version ({@link PredictionProcessor});
 *   <li>labels (key = image id, co-partitioned with the predictions) keep the first label per image and join it to
 *       that image's kept answers within the window ({@link LabelProcessor}); a label that finds no prediction when it
 *       arrives is {@code unknown_id} at once (it does not wait for one);
 *   <li>joined answers are repartitioned by model version, so each version's figures live in exactly one task, and
 *       added to that version's figures ({@link FiguresProcessor}), each update written to the evaluations topic;
 *   <li>review copies (key = image id, co-partitioned with the labels) keep the first copy per image
 *       ({@link ReviewProcessor}); the image's first label, whichever of the two comes first, makes it one training
 *       example on the labelled-images topic (header {@code source=review}), which the trainer stores and weights like
 *       any other new example;
 *   <li>when {@link EvaluationTopics#comparesShadow()}: shadow answers (key = image id, co-partitioned with the
 *       predictions) meet the serving answers for the same image within the window ({@link ShadowProcessor}), and
 *       each shadow version's compared and agreeing top-1 answers are counted, long before any label arrives.
 * </ol>
 *
 * Every count, copy and label lives in a state store with a changelog, updated in the same transaction as the input
 * offsets and the outputs (exactly_once_v2, set by {@link Evaluator}): a restart resumes from the committed state and
 * never writes a training example twice.
 */
public final class EvaluationTopology {

    /** Image id to its kept predictions ({@link ImagePredictions}). */
    public static final String PREDICTIONS_STORE = "predictions-by-image";
    /** Image id to "class,timestamp" of its first label. */
    public static final String LABELS_STORE = "labels-by-image";
    /** Model version to its {@link VersionFigures}. */
    public static final String FIGURES_STORE = "figures-by-version";
    /** Outcome name to its count, per task (a task's totals; the readers add the tasks up). */
    public static final String OUTCOMES_STORE = "outcomes";
    /** Image id to its {@link ReviewCopy} (the bytes until a label used it, then a marker). */
    public static final String REVIEW_STORE = "review-by-image";
    /** "bytes" to the bytes of the unused copies in the task's review store (what review-max-bytes caps). */
    public static final String REVIEW_BYTES_STORE = "review-bytes";
    /**
     * Largest record the evaluator writes (its producer's max.request.size) and its review changelog takes: the limit
     * of the review and labelled-images topics, so any copy a worker could write fits.
     */
    public static final int MAX_RECORD_BYTES = 20_972_544;
    /** Image id to its serving and shadow answers ({@link ShadowPairs}). */
    public static final String SHADOW_PAIRS_STORE = "shadow-pairs-by-image";
    /** Shadow model version to "compared agreed", per task (the readers add the tasks up). */
    public static final String SHADOW_COUNTS_STORE = "shadow-counts";
    /** The internal topic of joined answers keyed by version (prefixed with the application id). */
    public static final String JOINED_BY_VERSION = "joined-by-version";

    private EvaluationTopology() {}

    public static Topology build(EvaluationSettings settings, EvaluationListener listener) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PREDICTIONS_STORE), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(LABELS_STORE), Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(OUTCOMES_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FIGURES_STORE), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(REVIEW_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_RECORD_BYTES))));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(REVIEW_BYTES_STORE), Serdes.String(), Serdes.Long()));
        EvaluationTopics topics = settings.topics();

        KStream<String, byte[]> predictions = builder.stream(
                topics.predictions(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("predictions-in"));
        predictions.process(() -> new PredictionProcessor(settings, listener), PREDICTIONS_STORE, OUTCOMES_STORE);
        if (topics.comparesShadow()) {
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(SHADOW_PAIRS_STORE), Serdes.String(), Serdes.ByteArray()));
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(SHADOW_COUNTS_STORE), Serdes.String(), Serdes.String()));
            predictions.process(
                    () -> new ShadowProcessor(settings, listener, false),
                    Named.as("serving-for-shadow"),
                    SHADOW_PAIRS_STORE,
                    SHADOW_COUNTS_STORE);
            builder.stream(
                            topics.shadowPredictions(),
                            Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("shadow-predictions-in"))
                    .process(
                            () -> new ShadowProcessor(settings, listener, true),
                            Named.as("shadow-answers"),
                            SHADOW_PAIRS_STORE,
                            SHADOW_COUNTS_STORE);
        }

        KStream<String, LabelOutput> fromLabels = builder.stream(
                        topics.labels(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("labels-in"))
                .process(
                        () -> new LabelProcessor(settings, listener),
                        PREDICTIONS_STORE,
                        LABELS_STORE,
                        REVIEW_STORE,
                        REVIEW_BYTES_STORE,
                        OUTCOMES_STORE);
        fromLabels
                .flatMapValues(
                        out -> out instanceof LabelOutput.Join join ? List.of(join.json()) : List.<String>of(),
                        Named.as("joins"))
                .repartition(
                        Repartitioned.with(Serdes.String(), Serdes.String()).withName(JOINED_BY_VERSION))
                .process(() -> new FiguresProcessor(settings, listener), FIGURES_STORE)
                .to(topics.evaluations(), Produced.with(Serdes.String(), Serdes.String()));

        KStream<String, byte[]> examplesFromLabels = fromLabels.flatMapValues(
                out -> out instanceof LabelOutput.Example example ? List.of(example.image()) : List.<byte[]>of(),
                Named.as("examples-from-labels"));
        builder.stream(
                        topics.review(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("review-in"))
                .process(
                        () -> new ReviewProcessor(settings, listener),
                        REVIEW_STORE,
                        REVIEW_BYTES_STORE,
                        LABELS_STORE,
                        OUTCOMES_STORE)
                .merge(examplesFromLabels, Named.as("examples"))
                .to(
                        topics.labeled(),
                        Produced.with(Serdes.String(), Serdes.ByteArray()).withName("examples-out"));
        return builder.build();
    }
}

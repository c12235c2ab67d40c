package io.alexstream.trainer.evaluation;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
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
 *       added to that version's figures ({@link FiguresProcessor}), each update written to the evaluations topic.
 * </ol>
 *
 * Every count lives in a state store with a changelog, updated in the same transaction as the input offsets and the
 * output (exactly_once_v2, set by {@link Evaluator}): a restart resumes from the committed counts.
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

        builder.stream(
                        settings.predictionsTopic(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("predictions-in"))
                .process(() -> new PredictionProcessor(settings, listener), PREDICTIONS_STORE, OUTCOMES_STORE);

        builder.stream(
                        settings.labelsTopic(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("labels-in"))
                .process(() -> new LabelProcessor(settings, listener), PREDICTIONS_STORE, LABELS_STORE, OUTCOMES_STORE)
                .repartition(
                        Repartitioned.with(Serdes.String(), Serdes.String()).withName(JOINED_BY_VERSION))
                .process(() -> new FiguresProcessor(settings, listener), FIGURES_STORE)
                .to(settings.evaluationsTopic(), Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }
}

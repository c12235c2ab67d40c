package io.alexstream.trainer.evaluation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * One running evaluator: a {@link KafkaStreams} of the {@link EvaluationTopology}, exactly_once_v2. When it reaches
 * RUNNING (first start, restart, rebalance) it tells the listener the committed totals in its stores, so gauges and
 * the status page show the restored figures before the next label arrives.
 */
public final class EvaluationStreams implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EvaluationStreams.class);

    private final KafkaStreams streams;
    private final EvaluationListener listener;
    /** The sub-topology whose tasks hold the outcome counts (the one reading predictions and labels). */
    private final int outcomesSubtopology;

    private final boolean comparesShadow;

    public EvaluationStreams(Properties properties, EvaluationSettings settings, EvaluationListener listener) {
        this.listener = listener;
        this.comparesShadow = settings.topics().comparesShadow();
        Topology topology = EvaluationTopology.build(settings, listener);
        this.outcomesSubtopology = topology.describe().subtopologies().stream()
                .filter(sub -> sub.nodes().stream()
                        .anyMatch(node -> node instanceof TopologyDescription.Processor processor
                                && processor.stores().contains(EvaluationTopology.OUTCOMES_STORE)))
                .mapToInt(TopologyDescription.Subtopology::id)
                .findFirst()
                .orElseThrow();
        this.streams = new KafkaStreams(topology, properties);
        streams.setUncaughtExceptionHandler(
                e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        streams.setStateListener((now, before) -> {
            LOG.infof("evaluator %s -> %s", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                publishRestored();
            }
        });
    }

    /**
     * exactly_once_v2: the input offsets, the stores' changelog writes and the outputs (evaluations, training examples)
     * commit in one transaction; a malformed record is logged and skipped (and counted by the processors), never stops
     * the stream.
     */
    public static Properties properties(String applicationId, String bootstrapServers, Path stateDir) {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // one trainer runs at a time: a static member takes its partitions back at once after a restart instead of
        // waiting out the old member's session (45 s), and close() can remove it from the group
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), applicationId);
        // training examples carry a review copy's image, as large as the workers may write one
        properties.put(
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                EvaluationTopology.MAX_RECORD_BYTES);
        properties.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        properties.put(
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueProcessingExceptionHandler.class);
        return properties;
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Stops after committing, and leaves the consumer group, so a successor gets the partitions at once. */
    @Override
    public void close() {
        streams.close(
                new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
    }

    private void publishRestored() {
        try {
            ReadOnlyKeyValueStore<String, byte[]> figures = streams.store(StoreQueryParameters.fromNameAndType(
                    EvaluationTopology.FIGURES_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            try (KeyValueIterator<String, byte[]> all = figures.all()) {
                all.forEachRemaining(entry -> listener.figures(VersionFigures.fromState(entry.value)));
            }
            for (var thread : streams.metadataForLocalThreads()) {
                for (var task : thread.activeTasks()) {
                    publishOutcomes(task.taskId());
                }
            }
        } catch (InvalidStateStoreException e) {
            LOG.debugf("evaluator stores not queryable yet: %s", e.getMessage());
        }
    }

    private void publishOutcomes(TaskId task) {
        if (task.subtopology() != outcomesSubtopology) {
            return;
        }
        ReadOnlyKeyValueStore<String, Long> outcomes;
        try {
            outcomes = streams.store(StoreQueryParameters.fromNameAndType(
                            EvaluationTopology.OUTCOMES_STORE, QueryableStoreTypes.<String, Long>keyValueStore())
                    .withPartition(task.partition()));
        } catch (InvalidStateStoreException e) {
            LOG.debugf("outcomes of task %s not queryable yet: %s", task, e.getMessage());
            return;
        }
        try (KeyValueIterator<String, Long> all = outcomes.all()) {
            all.forEachRemaining(entry -> listener.outcome(Outcome.valueOf(entry.key), task.toString(), entry.value));
        }
        if (comparesShadow) {
            publishShadow(task);
        }
    }

    /** The task's shadow totals ({@link ShadowProcessor} shares the outcomes' sub-topology through predictions). */
    private void publishShadow(TaskId task) {
        ReadOnlyKeyValueStore<String, String> counts;
        try {
            counts = streams.store(StoreQueryParameters.fromNameAndType(
                            EvaluationTopology.SHADOW_COUNTS_STORE, QueryableStoreTypes.<String, String>keyValueStore())
                    .withPartition(task.partition()));
        } catch (InvalidStateStoreException e) {
            LOG.debugf("shadow counts of task %s not queryable yet: %s", task, e.getMessage());
            return;
        }
        try (KeyValueIterator<String, String> all = counts.all()) {
            all.forEachRemaining(entry -> {
                String[] totals = entry.value.split(" ");
                listener.shadow(
                        Long.parseLong(entry.key),
                        task.toString(),
                        Long.parseLong(totals[0]),
                        Long.parseLong(totals[1]));
            });
        }
    }
}

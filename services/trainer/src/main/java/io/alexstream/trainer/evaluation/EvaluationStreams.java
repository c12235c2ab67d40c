package io.alexstream.trainer.evaluation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
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
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * One running evaluator: a {@link KafkaStreams} of the {@link EvaluationTopology}, exactly_once_v2. When it reaches
 * RUNNING (first start, restart, rebalance) it tells the listener the committed totals in its stores, so gauges and
 * the status page show the restored figures before the next label arrives. Its state changes and a stream thread's
 * failure go to a {@link StreamsMonitor} (the {@link EvaluatorSupervisor}'s, which restarts a client that died).
 */
public final class EvaluationStreams implements EvaluatorSupervisor.Client {

    private static final Logger LOG = Logger.getLogger(EvaluationStreams.class);

    private final KafkaStreams streams;
    private final Properties properties;
    private final EvaluationListener listener;
    /** The sub-topology whose tasks hold the outcome counts (the one reading predictions and labels). */
    private final int outcomesSubtopology;

    private final boolean comparesShadow;

    public EvaluationStreams(Properties properties, EvaluationSettings settings, EvaluationListener listener) {
        this(properties, settings, listener, StreamsMonitor.NONE);
    }

    public EvaluationStreams(
            Properties properties, EvaluationSettings settings, EvaluationListener listener, StreamsMonitor monitor) {
        this.properties = properties;
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
        streams.setUncaughtExceptionHandler(monitor::threadFailed);
        streams.setStateListener((now, before) -> {
            LOG.infof("evaluator %s -> %s", before, now);
            monitor.stateChanged(now, before);
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

    @Override
    public void start() {
        streams.start();
    }

    @Override
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops after committing, and leaves the consumer group, so a successor gets the partitions at once. A client that
     * died (ERROR) closed without leaving, and close() does nothing more: its static member would stay in the group
     * for the session timeout, and a successor rejoining as that member would be handed the dead one's assignment again
     * (after a missing source topic, its error code), so the member is removed from the group here.
     */
    @Override
    public void close() {
        boolean died =
                streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.PENDING_ERROR;
        streams.close(
                new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
        if (died) {
            removeStaticMembers();
        }
    }

    private void removeStaticMembers() {
        String group = properties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        String instance = properties.getProperty(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
        if (instance == null) {
            return;
        }
        int threads = Integer.parseInt(properties.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"));
        // Kafka Streams names each thread's member <group.instance.id>-<thread index>, from 1
        List<String> names = IntStream.rangeClosed(1, threads)
                .mapToObj(thread -> instance + "-" + thread)
                .toList();
        List<MemberToRemove> members = names.stream().map(MemberToRemove::new).toList();
        Properties admin = new Properties();
        admin.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                properties.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin client = Admin.create(admin)) {
            client.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions(members))
                    .all()
                    .get(10, TimeUnit.SECONDS);
            LOG.infof("removed the stopped evaluator's members %s from group %s", names, group);
        } catch (ExecutionException | TimeoutException e) {
            // not a member (any more), or no broker: the group's session timeout removes it in the end
            LOG.infof("could not remove the stopped evaluator from group %s: %s", group, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

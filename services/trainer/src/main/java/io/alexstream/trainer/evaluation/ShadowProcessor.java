package io.alexstream.trainer.evaluation;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Joins the shadow workers' answers with the serving workers' by image id (the two topics are co-partitioned): one
 * instance reads each topic, both keep the image's answers in {@link EvaluationTopology#SHADOW_PAIRS_STORE}, and a
 * shadow answer with a serving answer of another version within the window counts once for its version, agreeing
 * when their top-1 classes are the same. The task's totals per shadow version go to
 * {@link EvaluationTopology#SHADOW_COUNTS_STORE} and to the listener; images older than the retention are forgotten.
 */
final class ShadowProcessor implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = Logger.getLogger(ShadowProcessor.class);

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private final boolean fromShadow;
    private KeyValueStore<String, byte[]> pairs;
    private KeyValueStore<String, String> counts;
    private String task;

    ShadowProcessor(EvaluationSettings settings, EvaluationListener listener, boolean fromShadow) {
        this.settings = settings;
        this.listener = listener;
        this.fromShadow = fromShadow;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        pairs = context.getStateStore(EvaluationTopology.SHADOW_PAIRS_STORE);
        counts = context.getStateStore(EvaluationTopology.SHADOW_COUNTS_STORE);
        task = context.taskId().toString();
        // one of the two instances prunes the store they share
        if (fromShadow) {
            context.schedule(PredictionProcessor.PRUNE_INTERVAL, PunctuationType.STREAM_TIME, this::prune);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        var answer = ImagePredictions.parse(record.value(), record.timestamp());
        String imageId = record.key();
        if (answer.isEmpty() || imageId == null || imageId.isBlank()) {
            LOG.debugf(
                    "shadow comparison skips a malformed %s answer (key %s)",
                    fromShadow ? "shadow" : "serving", imageId);
            return;
        }
        ShadowPairs kept = ShadowPairs.fromState(pairs.get(imageId));
        ShadowPairs.Side side = new ShadowPairs.Side(answer.get().top()[0], record.timestamp());
        long version = answer.get().version();
        if (fromShadow ? !kept.keepShadow(version, side) : !kept.keepServing(version, side)) {
            return;
        }
        for (ShadowPairs.Comparison comparison : kept.compare(settings.window().toMillis())) {
            count(comparison);
        }
        pairs.put(imageId, kept.toState());
    }

    private void count(ShadowPairs.Comparison comparison) {
        String key = Long.toString(comparison.shadowVersion());
        String before = counts.get(key);
        long compared = 1;
        long agreed = comparison.agreed() ? 1 : 0;
        if (before != null) {
            String[] parts = before.split(" ");
            compared += Long.parseLong(parts[0]);
            agreed += Long.parseLong(parts[1]);
        }
        counts.put(key, compared + " " + agreed);
        listener.shadow(comparison.shadowVersion(), task, compared, agreed);
    }

    private void prune(long streamTime) {
        long oldest = streamTime - settings.retention().toMillis();
        List<String> forget = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = pairs.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                if (ShadowPairs.fromState(entry.value).newestTimestamp() < oldest) {
                    forget.add(entry.key);
                }
            }
        }
        forget.forEach(pairs::delete);
    }
}

package io.alexstream.trainer.evaluation;

import java.time.Duration;
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
 * Keeps the first prediction per image and model version, so a redelivered prediction never counts twice; forgets
 * images whose newest prediction is older than the retention (stream time), so the store stays bounded.
 */
final class PredictionProcessor implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = Logger.getLogger(PredictionProcessor.class);
    /** How often (stream time) old predictions and labels are forgotten. */
    static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private KeyValueStore<String, byte[]> predictions;
    private OutcomeCounts outcomes;

    PredictionProcessor(EvaluationSettings settings, EvaluationListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        predictions = context.getStateStore(EvaluationTopology.PREDICTIONS_STORE);
        outcomes = new OutcomeCounts(context, listener);
        context.schedule(PRUNE_INTERVAL, PunctuationType.STREAM_TIME, streamTime -> prune(streamTime));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        var answer = ImagePredictions.parse(record.value(), record.timestamp());
        String imageId = record.key();
        if (answer.isEmpty() || imageId == null || imageId.isBlank()) {
            LOG.debugf("skipping a malformed prediction (key %s)", imageId);
            outcomes.count(Outcome.PREDICTION_MALFORMED);
            return;
        }
        ImagePredictions kept = ImagePredictions.fromState(predictions.get(imageId));
        if (kept.keepFirst(answer.get())) {
            predictions.put(imageId, kept.toState());
            outcomes.count(Outcome.PREDICTION_KEPT);
        } else {
            outcomes.count(Outcome.PREDICTION_DUPLICATE);
        }
    }

    private void prune(long streamTime) {
        long oldest = streamTime - settings.retention().toMillis();
        List<String> forget = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = predictions.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                if (ImagePredictions.fromState(entry.value).newestTimestamp() < oldest) {
                    forget.add(entry.key);
                }
            }
        }
        forget.forEach(predictions::delete);
    }
}

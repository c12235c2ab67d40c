package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alexstream.contracts.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the first label per image (a repeat is a duplicate, a different one conflicting; neither counts) and joins it
 * to every kept prediction of that image whose record time is at most the window before the label's. Each join goes
 * out keyed by model version, the label's record time kept, for {@link FiguresProcessor}. A first label whose image
 * has a waiting review copy also makes that copy a training example (once: the copy is marked used).
 */
final class LabelProcessor implements Processor<String, byte[], String, LabelOutput> {

    private static final Logger LOG = Logger.getLogger(LabelProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private ProcessorContext<String, LabelOutput> context;
    private KeyValueStore<String, byte[]> predictions;
    private FirstLabels labels;
    private ReviewStore reviews;
    private OutcomeCounts outcomes;

    LabelProcessor(EvaluationSettings settings, EvaluationListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, LabelOutput> context) {
        this.context = context;
        predictions = context.getStateStore(EvaluationTopology.PREDICTIONS_STORE);
        labels = new FirstLabels(context.getStateStore(EvaluationTopology.LABELS_STORE));
        reviews = new ReviewStore(context, settings.reviewMaxBytes());
        outcomes = new OutcomeCounts(context, listener);
        context.schedule(
                PredictionProcessor.PRUNE_INTERVAL,
                PunctuationType.STREAM_TIME,
                streamTime -> labels.prune(streamTime - settings.retention().toMillis()));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String imageId = InputRecords.imageId(record);
        String received = InputRecords.header(record, Headers.LABEL);
        int label = settings.classIndex(received);
        if (imageId == null || imageId.isBlank() || label < 0) {
            LOG.debugf("skipping a malformed label (image %s)", imageId);
            outcomes.count(Outcome.LABEL_MALFORMED);
            return;
        }
        int first = labels.classOf(imageId);
        if (first >= 0) {
            outcomes.count(first == label ? Outcome.LABEL_DUPLICATE : Outcome.LABEL_CONFLICTING);
            return;
        }
        // a waiting copy trains even when the prediction is gone; the copy is marked used, so this happens once
        reviews.use(imageId, received, record.timestamp()).ifPresent(example -> {
            context.forward(LabelOutput.example(example));
            outcomes.count(Outcome.REVIEW_RELABELLED);
        });
        byte[] kept = predictions.get(imageId);
        if (kept == null) {
            // not remembered: a label sent again once the prediction is there still counts
            outcomes.count(Outcome.LABEL_UNKNOWN_ID);
            return;
        }
        labels.remember(imageId, label, record.timestamp(), received);
        boolean joined = false;
        for (ImagePredictions.Answer answer :
                ImagePredictions.fromState(kept).byVersion().values()) {
            if (record.timestamp() - answer.timestamp() > settings.window().toMillis()) {
                continue;
            }
            joined = true;
            context.forward(new Record<>(
                    Long.toString(answer.version()),
                    new LabelOutput.Join(joinedJson(label, answer)),
                    record.timestamp()));
        }
        outcomes.count(joined ? Outcome.LABEL_JOINED : Outcome.LABEL_OUT_OF_WINDOW);
    }

    private static String joinedJson(int label, ImagePredictions.Answer answer) {
        ObjectNode json = JSON.createObjectNode();
        json.put("label", label);
        var top = json.putArray("top");
        for (int index : answer.top()) {
            top.add(index);
        }
        json.put("p", answer.top1Probability());
        json.put("d", answer.cropDisagreement());
        return json.toString();
    }
}

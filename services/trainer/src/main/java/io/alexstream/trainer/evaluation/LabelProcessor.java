package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alexstream.contracts.Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the first label per image (a repeat is a duplicate, a different one conflicting; neither counts) and joins it
 * to every kept prediction of that image whose record time is at most the window before the label's. Each join goes
 * out keyed by model version, the label's record time kept, for {@link FiguresProcessor}.
 */
final class LabelProcessor implements Processor<String, byte[], String, String> {

    private static final Logger LOG = Logger.getLogger(LabelProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, byte[]> predictions;
    private KeyValueStore<String, String> labels;
    private OutcomeCounts outcomes;

    LabelProcessor(EvaluationSettings settings, EvaluationListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        predictions = context.getStateStore(EvaluationTopology.PREDICTIONS_STORE);
        labels = context.getStateStore(EvaluationTopology.LABELS_STORE);
        outcomes = new OutcomeCounts(context, listener);
        context.schedule(PredictionProcessor.PRUNE_INTERVAL, PunctuationType.STREAM_TIME, this::prune);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String imageId = header(record, Headers.IMAGE_ID);
        if (imageId == null || imageId.isBlank()) {
            imageId = record.key();
        }
        int label = settings.classIndex(header(record, Headers.LABEL));
        if (imageId == null || imageId.isBlank() || label < 0) {
            LOG.debugf("skipping a malformed label (image %s)", imageId);
            outcomes.count(Outcome.LABEL_MALFORMED);
            return;
        }
        String first = labels.get(imageId);
        if (first != null) {
            boolean same = first.substring(0, first.indexOf(',')).equals(Integer.toString(label));
            outcomes.count(same ? Outcome.LABEL_DUPLICATE : Outcome.LABEL_CONFLICTING);
            return;
        }
        byte[] kept = predictions.get(imageId);
        if (kept == null) {
            // not remembered: a label sent again once the prediction is there still counts
            outcomes.count(Outcome.LABEL_UNKNOWN_ID);
            return;
        }
        labels.put(imageId, label + "," + record.timestamp());
        boolean joined = false;
        for (ImagePredictions.Answer answer :
                ImagePredictions.fromState(kept).byVersion().values()) {
            if (record.timestamp() - answer.timestamp() > settings.window().toMillis()) {
                continue;
            }
            joined = true;
            context.forward(
                    new Record<>(Long.toString(answer.version()), joinedJson(label, answer), record.timestamp()));
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

    private static String header(Record<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private void prune(long streamTime) {
        long oldest = streamTime - settings.retention().toMillis();
        List<String> forget = new ArrayList<>();
        try (KeyValueIterator<String, String> all = labels.all()) {
            while (all.hasNext()) {
                KeyValue<String, String> entry = all.next();
                if (Long.parseLong(entry.value.substring(entry.value.indexOf(',') + 1)) < oldest) {
                    forget.add(entry.key);
                }
            }
        }
        forget.forEach(labels::delete);
    }
}

package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Adds each joined answer to its version's {@link VersionFigures} (one task owns a version: the input is keyed by it)
 * and writes the version's new figures to the evaluations topic, dated with the label's record time.
 */
final class FiguresProcessor implements Processor<String, String, String, String> {

    private static final Logger LOG = Logger.getLogger(FiguresProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, byte[]> figures;

    FiguresProcessor(EvaluationSettings settings, EvaluationListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        figures = context.getStateStore(EvaluationTopology.FIGURES_STORE);
    }

    @Override
    public void process(Record<String, String> record) {
        JsonNode joined;
        long version;
        try {
            joined = JSON.readTree(record.value());
            version = Long.parseLong(record.key());
        } catch (IOException | NumberFormatException | NullPointerException e) {
            // only this topology writes the joined topic; a bad record there is a bug, not a reason to stop
            LOG.errorf(e, "skipping an unreadable joined answer for version %s", record.key());
            return;
        }
        byte[] before = figures.get(record.key());
        VersionFigures updated =
                before == null ? new VersionFigures(version, settings.classes()) : VersionFigures.fromState(before);
        int[] top = new int[joined.path("top").size()];
        for (int i = 0; i < top.length; i++) {
            top[i] = joined.path("top").get(i).asInt();
        }
        updated.add(
                joined.path("label").asInt(),
                top,
                joined.path("p").asDouble(),
                joined.path("d").asDouble());
        figures.put(record.key(), updated.toState());
        listener.figures(updated);
        String evaluation = updated.toEvaluationJson(
                        settings.window().toSeconds(), Instant.ofEpochMilli(record.timestamp()))
                .toString();
        context.forward(new Record<>(record.key(), evaluation, record.timestamp()));
    }
}

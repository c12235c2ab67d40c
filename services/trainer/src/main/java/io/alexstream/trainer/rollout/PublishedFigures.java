package io.alexstream.trainer.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.trainer.evaluation.EvaluationRecord;
import io.alexstream.trainer.messaging.Channels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The latest live figures of every model version, from topic {@code evaluations} ({@link Channels#EVALUATIONS_IN},
 * its own consumer group, read from the beginning on every start since nothing here is kept on disk). Each update is
 * handed to {@link AutoRollback}. A malformed record is logged, counted in
 * {@code alexstream.trainer.evaluations.rejected} and skipped: no record, whatever it holds, stops the channel.
 */
// created at start-up, not at the first record, so its counter is exported from the beginning
@Startup
@ApplicationScoped
public class PublishedFigures {

    private static final Logger LOG = Logger.getLogger(PublishedFigures.class);

    private final ObjectMapper json;
    private final AutoRollback autoRollback;
    private final Counter rejected;
    private final Map<Long, EvaluationRecord> latest = new ConcurrentHashMap<>();

    public PublishedFigures(ObjectMapper json, AutoRollback autoRollback, MeterRegistry metrics) {
        this.json = json;
        this.autoRollback = autoRollback;
        this.rejected = Counter.builder("alexstream.trainer.evaluations.rejected")
                .description("Records of the evaluations topic skipped as malformed")
                .register(metrics);
    }

    @Incoming(Channels.EVALUATIONS_IN)
    public void consume(ConsumerRecord<String, byte[]> record) {
        EvaluationRecord figures;
        try {
            figures = EvaluationRecord.parse(json, record.key(), record.value());
        } catch (RuntimeException e) {
            rejected.increment();
            LOG.warnf(
                    "evaluations record %s-%d@%d skipped: %s",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    EvaluationRecord.cut(String.valueOf(e.getMessage())));
            return;
        }
        latest.put(figures.version(), figures);
        autoRollback.onFigures(Map.copyOf(latest));
    }

    /** The latest figures per version, by version. */
    public Map<Long, EvaluationRecord> figures() {
        return new TreeMap<>(latest);
    }
}

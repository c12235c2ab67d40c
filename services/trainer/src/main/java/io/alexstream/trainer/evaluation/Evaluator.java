package io.alexstream.trainer.evaluation;

import io.alexstream.trainer.config.EvaluationConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the live evaluator inside the trainer when {@code alexstream.evaluation.enabled}: a plain Kafka Streams
 * application (not the Quarkus extension, so it is simply off where the trainer's tests do not want it) joining the
 * workers' predictions with late labels into figures per model version, and their review copies with the same labels
 * into training examples.
 *
 * <p>Why Kafka Streams: the counts are state, and its state stores are fault tolerant through changelog topics; with
 * exactly_once_v2 the input offsets, the changelog writes and the evaluations output commit in one transaction, so a
 * restart (or a crash) resumes from the committed counts: it loses no joined state and counts no label twice. A
 * hand-written consumer would have to rebuild that atomicity between its offsets and its own storage.
 */
@ApplicationScoped
public class Evaluator {

    private static final Logger LOG = Logger.getLogger(Evaluator.class);

    private final EvaluationConfig config;
    private final TrainerConfig trainer;
    private final LiveFigures live;
    private final String bootstrapServers;
    private final EvaluationTopics topics;
    private EvaluationStreams streams;

    public Evaluator(
            EvaluationConfig config,
            TrainerConfig trainer,
            LiveFigures live,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "alexstream.topics.predictions") String predictionsTopic,
            @ConfigProperty(name = "alexstream.topics.labels") String labelsTopic,
            @ConfigProperty(name = "alexstream.topics.evaluations") String evaluationsTopic,
            @ConfigProperty(name = "alexstream.topics.review") String reviewTopic,
            @ConfigProperty(name = "alexstream.topics.labeled-images") String labeledTopic,
            @ConfigProperty(name = "alexstream.topics.predictions-shadow") String shadowTopic) {
        this.config = config;
        this.trainer = trainer;
        this.live = live;
        this.bootstrapServers = bootstrapServers;
        this.topics = new EvaluationTopics(
                predictionsTopic,
                labelsTopic,
                evaluationsTopic,
                reviewTopic,
                labeledTopic,
                // a missing source topic stops Kafka Streams: the shadow topic is read only when asked for
                config.shadowAgreement() ? shadowTopic : "");
    }

    void onStart(@Observes StartupEvent started) {
        if (!config.enabled()) {
            LOG.info("live evaluation is off (alexstream.evaluation.enabled=false)");
            return;
        }
        Path stateDir = config.stateDir().map(Path::of).orElse(Path.of(trainer.dataDir(), "evaluator"));
        synchronized (this) {
            streams = new EvaluationStreams(
                    EvaluationStreams.properties(config.applicationId(), bootstrapServers, stateDir),
                    EvaluationSettings.of(config, trainer, topics),
                    live);
            streams.start();
        }
        LOG.infof(
                "live evaluation: %s + %s -> %s, %s + %s -> %s (window %s, state in %s)",
                topics.predictions(),
                topics.labels(),
                topics.evaluations(),
                topics.review(),
                topics.labels(),
                topics.labeled(),
                config.window(),
                stateDir);
        if (topics.comparesShadow()) {
            LOG.infof("shadow agreement: %s against %s by image id", topics.shadowPredictions(), topics.predictions());
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (streams != null) {
            streams.close();
            streams = null;
        }
    }
}

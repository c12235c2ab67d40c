package io.alexstream.trainer.evaluation;

import io.alexstream.trainer.config.EvaluationConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the live evaluator inside the trainer when {@code alexstream.evaluation.enabled}: a plain Kafka Streams
 * application (not the Quarkus extension, so it is simply off where the trainer's tests do not want it) joining the
 * workers' predictions with late labels into figures per model version, and their review copies with the same labels
 * into training examples. An {@link EvaluatorSupervisor}, ticked every second, starts it again when it dies.
 *
 * <p>Why Kafka Streams: the counts are state, and its state stores are fault tolerant through changelog topics; with
 * exactly_once_v2 the input offsets, the changelog writes and the evaluations output commit in one transaction, so a
 * restart (or a crash) resumes from the committed counts: it loses no joined state and counts no label twice. A
 * hand-written consumer would have to rebuild that atomicity between its offsets and its own storage.
 */
@ApplicationScoped
public class Evaluator {

    private static final Logger LOG = Logger.getLogger(Evaluator.class);
    private static final long CHECK_SECONDS = 1;

    private final EvaluationConfig config;
    private final TrainerConfig trainer;
    private final LiveFigures live;
    private final MeterRegistry metrics;
    private final String bootstrapServers;
    private final EvaluationTopics topics;
    private volatile EvaluatorSupervisor supervisor;
    private ScheduledExecutorService ticks;

    public Evaluator(
            EvaluationConfig config,
            TrainerConfig trainer,
            LiveFigures live,
            MeterRegistry metrics,
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
        this.metrics = metrics;
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
        EvaluationSettings settings = EvaluationSettings.of(config, trainer, topics);
        EvaluatorSupervisor.Settings restarts = new EvaluatorSupervisor.Settings(
                config.restartBackoff(), config.restartMaxBackoff(), config.rebalancingGrace());
        synchronized (this) {
            supervisor = new EvaluatorSupervisor(
                    monitor -> new EvaluationStreams(
                            EvaluationStreams.properties(config.applicationId(), bootstrapServers, stateDir),
                            settings,
                            live,
                            monitor),
                    new BrokerTopics(bootstrapServers, topics),
                    restarts,
                    Clock.systemUTC());
            supervisor.registerMeters(metrics);
            supervisor.start();
            ticks = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "evaluator-supervisor");
                thread.setDaemon(true);
                return thread;
            });
            ticks.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
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

    /** The evaluator's health; empty when it is off. */
    public Optional<EvaluatorSupervisor.Health> health() {
        return Optional.ofNullable(supervisor).map(EvaluatorSupervisor::health);
    }

    @PreDestroy
    synchronized void stop() {
        if (ticks != null) {
            ticks.shutdownNow();
            ticks = null;
        }
        if (supervisor != null) {
            supervisor.close();
            supervisor = null;
        }
    }

    private void check() {
        try {
            EvaluatorSupervisor current = supervisor;
            if (current != null) {
                current.check();
            }
        } catch (RuntimeException e) {
            // a failed tick must not end the schedule: the next one tries again
            LOG.warnf(e, "evaluator supervision failed");
        }
    }
}

package io.alexstream.worker.registry;

import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.ServingModel;
import io.alexstream.worker.inference.WeightsReceiver;
import io.alexstream.worker.inference.WeightsRefusedException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps this worker on the version its trainer wants served here. At start-up it registers and
 * pulls that version before the worker turns ready (a worker that starts later catches up
 * first); then it registers again every heartbeat, so a restarted trainer knows this worker and
 * a missed rollout or rollback, up or down, arrives within one heartbeat. The trainer's Sync call
 * ends here too ({@link #converge}), one convergence at a time. Without a trainer address it only
 * lets readiness through.
 */
@ApplicationScoped
public class TrainerSync {

    private static final Logger LOG = Logger.getLogger(TrainerSync.class);

    private final WorkerConfig config;
    private final TrainerClient trainer;
    private final ServingModel serving;
    private final WeightsReceiver receiver;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "trainer-heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    private final Object convergeLock = new Object();
    /** Versions this worker's validation refused, with why: not pulled again. */
    private final Map<Long, String> refusedVersions = new ConcurrentHashMap<>();

    public TrainerSync(WorkerConfig config, TrainerClient trainer, ServingModel serving, WeightsReceiver receiver) {
        this.config = config;
        this.trainer = trainer;
        this.serving = serving;
        this.receiver = receiver;
    }

    /** Runs after the serving model's start-up observer (priority 1000) has loaded what this worker already has. */
    void onStart(@Observes StartupEvent event) {
        if (!trainer.configured()) {
            serving.syncFinished();
            return;
        }
        Thread sync = new Thread(this::syncAtStartup, "trainer-sync");
        sync.setDaemon(true);
        sync.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        heartbeat.shutdownNow();
    }

    /** True when a trainer address is configured: Sync has someone to ask. */
    public boolean configured() {
        return trainer.configured();
    }

    private void syncAtStartup() {
        try {
            long desired = trainer.register(serving.servedVersion());
            convergeOn(desired);
        } catch (Exception e) {
            LOG.warnf(
                    "worker %s could not sync with the trainer (%s); serving %s",
                    config.id(), e.getMessage(), serving.loaded() ? "version " + serving.servedVersion() : "nothing");
        } finally {
            serving.syncFinished();
        }
        heartbeat.scheduleWithFixedDelay(
                this::registerAgain,
                config.trainerHeartbeatSeconds(),
                config.trainerHeartbeatSeconds(),
                TimeUnit.SECONDS);
    }

    private void registerAgain() {
        try {
            converge();
        } catch (Exception e) {
            LOG.debugf("worker %s could not converge with the trainer: %s", config.id(), e.getMessage());
        }
    }

    /**
     * Asks the trainer which version this worker should serve and pulls it when it differs from the served one
     * (a rollback included).
     *
     * @return the version served afterwards
     */
    public long converge() throws WeightsFormatException, WeightsRefusedException {
        synchronized (convergeLock) {
            return convergeOn(trainer.registerOnce(serving.servedVersion()));
        }
    }

    private long convergeOn(long desired) throws WeightsFormatException, WeightsRefusedException {
        long served = serving.servedVersion();
        if (desired <= 0 || (desired == served && serving.loaded())) {
            return served;
        }
        String refusal = refusedVersions.get(desired);
        if (refusal != null) {
            // validation is deterministic: pulling a version this worker refused again would only refuse it again
            throw new WeightsRefusedException(
                    WeightsRefusedException.Reason.REFUSED_BEFORE,
                    "version " + desired + " was refused here: " + refusal);
        }
        LOG.infof("worker %s pulls version %d from the trainer (serving %d)", config.id(), desired, served);
        try {
            // the trainer's desired version wins, older or newer: so a rollback reaches a worker that missed it
            return receiver.receive(trainer.pull(desired), WeightsReceiver.Origin.PULLED);
        } catch (WeightsRefusedException e) {
            if (e.reason().aboutTheWeights()) {
                refusedVersions.put(desired, e.description());
            }
            throw e;
        }
    }
}

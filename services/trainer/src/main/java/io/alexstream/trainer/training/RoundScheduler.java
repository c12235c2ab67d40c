package io.alexstream.trainer.training;

import io.alexstream.engine.training.Example;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.messaging.Channels;
import io.alexstream.trainer.rollout.RolloutService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * When a {@link TrainingRound} runs: when {@link TrainerConfig#minNewExamples()} new training
 * examples arrived, when {@link TrainerConfig#roundInterval()} passed with new data, or when an
 * operator asks. Rounds run one at a time on their own thread and at most one waits behind the
 * running one. While a round trains the labeled channel is paused (the records wait in Kafka);
 * a promoted version is rolled out before the next round starts.
 */
@ApplicationScoped
public class RoundScheduler {

    private static final Logger LOG = Logger.getLogger(RoundScheduler.class);

    private final TrainerConfig config;
    private final ExampleBank bank;
    private final TrainingRound round;
    private final RolloutService rollout;
    private final TrainerMetrics metrics;
    private final ChannelRegistry channels;
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-round"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "round-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    private final AtomicLong newTrainingExamples = new AtomicLong();
    private final List<RoundResult> history = new CopyOnWriteArrayList<>();
    private final AtomicReference<Activity> activity = new AtomicReference<>(Activity.IDLE);

    public RoundScheduler(
            TrainerConfig config,
            ExampleBank bank,
            TrainingRound round,
            RolloutService rollout,
            TrainerMetrics metrics,
            ChannelRegistry channels) {
        this.config = config;
        this.bank = bank;
        this.round = round;
        this.rollout = rollout;
        this.metrics = metrics;
        this.channels = channels;
    }

    void onStart(@Observes StartupEvent event) {
        config.roundInterval()
                .ifPresent(interval -> timer.scheduleAtFixedRate(
                        () -> {
                            if (newTrainingExamples.get() > 0) {
                                trigger("timer");
                            }
                        },
                        interval.toMillis(),
                        interval.toMillis(),
                        TimeUnit.MILLISECONDS));
    }

    void onStop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
        rounds.shutdownNow();
        try {
            rounds.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void onNewExamples(@Observes ExampleBank.NewExamples added) {
        if (newTrainingExamples.addAndGet(added.training()) >= config.minNewExamples()) {
            trigger("new examples");
        }
    }

    /** Queues a round unless one is already waiting; says what happened. */
    public String trigger(String why) {
        return trigger(why, 0);
    }

    /** Queues a round of {@code epochs} passes (0: the configured number). */
    public String trigger(String why, int epochs) {
        if (!roundQueued.compareAndSet(false, true)) {
            return "a round is already queued";
        }
        rounds.submit(() -> {
            roundQueued.set(false);
            try {
                runRound(why, epochs > 0 ? epochs : config.epochsPerRound());
            } catch (Throwable e) {
                LOG.errorf(e, "training round (%s) failed", why);
                activity.set(Activity.IDLE);
                metrics.roundFailed();
            }
        });
        return "round queued (" + why + ")";
    }

    private void runRound(String trigger, int epochs) throws IOException, WeightsFormatException {
        long started = System.nanoTime();
        long newExamples = newTrainingExamples.getAndSet(0);
        ExampleBank.Snapshot snapshot = bank.snapshot();
        List<Example> training = snapshot.training();
        List<Example> holdout = snapshot.holdout();
        if (training.size() < config.batchSize() || holdout.isEmpty()) {
            LOG.infof(
                    "round (%s) skipped: %d training and %d holdout examples",
                    trigger, training.size(), holdout.size());
            newTrainingExamples.addAndGet(newExamples);
            return;
        }
        activity.set(Activity.TRAINING);
        PausableChannel intake = config.pauseIntakeDuringRounds() ? channels.getPausable(Channels.LABELED_IN) : null;
        if (intake != null) {
            intake.pause();
        }
        RoundResult result;
        try {
            result = round.run(history.size() + 1, trigger, epochs, started, snapshot);
            history.add(result);
        } finally {
            if (intake != null) {
                intake.resume();
            }
        }
        if (result.promoted()) {
            activity.set(Activity.ROLLING_OUT);
            rollout.rollOut(result.version(), false);
        }
        activity.set(Activity.IDLE);
    }

    /** Every round run since start-up, oldest first. */
    public List<RoundResult> history() {
        return new ArrayList<>(history);
    }

    public Activity activity() {
        return activity.get();
    }

    /** Training examples stored since the last round took them up. */
    public long pendingTrainingExamples() {
        return newTrainingExamples.get();
    }
}

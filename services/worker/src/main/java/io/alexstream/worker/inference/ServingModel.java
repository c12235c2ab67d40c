package io.alexstream.worker.inference;

import com.google.protobuf.ByteString;
import io.alexstream.engine.inference.BatchLimit;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.PrecisionChoice;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Owns the model that serves and its batcher. At start-up it loads the last good weights, else the
 * configured file; {@link ModelReady} fires only once a model is loaded and the start-up sync is
 * over, so no image is ever answered by random weights. New weights are validated on a spare
 * session and swapped in by reference ({@link #activate}): a batch in flight finishes on the old
 * model, the next one runs on the new, and nothing fails.
 */
@ApplicationScoped
public class ServingModel {

    private static final Logger LOG = Logger.getLogger(ServingModel.class);

    /** The largest session run on a GPU unless configured. */
    public static final int GPU_MAX_BATCH = 16;
    /**
     * The largest session run on a CPU unless configured: in the Kafka path, beside the other services, runs of 16
     * sustained less of the engine's rate than runs of 8, and a run of 8 answers in half the time.
     */
    public static final int CPU_MAX_BATCH = 8;

    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    private final LastGoodWeights lastGood;
    private final Event<ModelReady> readyEvent;
    private final AlexNetConfig modelConfig;
    /** The model that serves: the batcher asks for it at the start of every batch. */
    private volatile AlexNetModel model;
    /** Where the next version is loaded and warmed up; the model it replaces becomes the spare for the one after. */
    private AlexNetModel spare;

    private SessionOptions sessionOptions;
    private DynamicBatcher batcher;
    private volatile String lastError = "no weights loaded yet";
    /** The version being served, -1 before any: exported as alexstream_worker_model_version. */
    private final AtomicLong servedVersion = new AtomicLong(-1);

    private volatile boolean synced;
    private final AtomicBoolean announced = new AtomicBoolean();

    public ServingModel(
            WorkerConfig config, WorkerMetrics metrics, LastGoodWeights lastGood, Event<ModelReady> readyEvent) {
        this.config = config;
        this.metrics = metrics;
        this.lastGood = lastGood;
        this.readyEvent = readyEvent;
        this.modelConfig = Profiles.byName(config.profile());
    }

    /** The batcher's largest run: {@code alexstream.worker.max-batch}, else by device. */
    public static int maxBatch(WorkerConfig config) {
        return config.maxBatch().orElse(config.gpu().isPresent() ? GPU_MAX_BATCH : CPU_MAX_BATCH);
    }

    /** Runs before the trainer sync's start-up observer, which needs a model to converge. */
    void onStart(@Observes @Priority(1000) StartupEvent event) {
        SessionOptions placed = config.gpu().map(SessionOptions::gpu).orElse(SessionOptions.cpu());
        SessionOptions threaded = config.intraOpThreads()
                .map(threads -> placed.withThreads(threads, placed.interOpThreads()))
                .orElse(placed);
        PrecisionChoice precision = PrecisionChoice.choose(config.precision(), threaded);
        sessionOptions = threaded.withPrecision(precision.precision());
        model = AlexNetModel.create(modelConfig, sessionOptions);
        int maxBatch = maxBatch(config);
        BatchLimit batchLimit = config.batchTuning() ? BatchLimit.tuned(maxBatch) : BatchLimit.fixed(maxBatch);
        batcher = new DynamicBatcher(
                () -> model, batchLimit, config.maxWaitMillis(), config.queueCapacity(), metrics::batchRun);
        metrics.exportBatchLimit(batcher::servedBatchLimit);
        LOG.infof(
                "worker %s: profile %s on %s (%s), %s inference (%s), %s intra-op threads, batches of up to %d%s",
                config.id(),
                config.profile(),
                model.placement().device(),
                model.placement().explanation(),
                precision.precision().label(),
                precision.reason(),
                sessionOptions.intraOpThreads() == 0 ? "TensorFlow's choice of" : sessionOptions.intraOpThreads(),
                maxBatch,
                config.batchTuning() ? " (the size that runs fastest, learnt from the runs)" : "");
        metrics.runsOn(model.placement().device(), precision.precision().label());
        metrics.exportServedVersion(servedVersion);
        lastGood.existing().ifPresent(this::loadFile);
        if (!model.isLoaded()) {
            config.weightsFile()
                    .map(Path::of)
                    .ifPresentOrElse(
                            this::loadFile,
                            () -> LOG.warnf(
                                    "worker %s has no weights file: not consuming until a model is loaded",
                                    config.id()));
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (batcher != null) {
            batcher.close();
        }
        if (model != null) {
            model.close();
        }
        if (spare != null) {
            spare.close();
        }
    }

    private void loadFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            activate(WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES), true, null);
            LOG.infof("worker %s loaded version %d from %s", config.id(), servedVersion.get(), file);
        } catch (IOException | WeightsFormatException | WeightsRefusedException e) {
            lastError = "cannot load " + file + ": " + e.getMessage();
            LOG.error(lastError);
        }
    }

    /**
     * Validates weights and, when they pass, swaps them in: a compatible config and shapes, a newer version (a
     * rollback may go back), and a warm-up inference on the spare session (see {@link WarmUp}). The old model
     * becomes the spare; loading the next version into it waits for its last batch (its write lock). Accepted
     * weights are kept as the last good ones.
     *
     * @param artifact the encoded artifact to keep as the last good weights, or null when it came from that file
     * @return the version now served
     */
    public synchronized long activate(ModelWeights weights, boolean mayGoBack, ByteString artifact)
            throws WeightsRefusedException {
        try {
            weights.requireCompatible(modelConfig);
        } catch (WeightsFormatException e) {
            throw new WeightsRefusedException(WeightsRefusedException.Reason.INCOMPATIBLE, e.getMessage());
        }
        long version = weights.metadata().version();
        if (model.isLoaded() && version == servedVersion.get() && !mayGoBack) {
            return version;
        }
        if (model.isLoaded() && version < servedVersion.get() && !mayGoBack) {
            throw new WeightsRefusedException(
                    WeightsRefusedException.Reason.OLDER_VERSION,
                    "version " + version
                            + " is older than the served version " + servedVersion.get()
                            + " (only an explicit rollback goes back)");
        }
        long started = System.nanoTime();
        if (spare == null) {
            spare = AlexNetModel.create(modelConfig, sessionOptions);
        }
        WarmUp.loadAndCheck(spare, modelConfig, weights);
        long warmedUp = System.nanoTime();
        // a reference swap, not a second 244 MB load into the serving session, which would lengthen every push
        AlexNetModel previous = model;
        model = spare;
        spare = previous;
        if (!spare.isLoaded()) {
            // the session made at start-up has never run: it runs once now, with the same weights, so that the first
            // pushed version does not pay for its graph optimisation
            WarmUp.loadAndCheck(spare, modelConfig, weights);
        }
        servedVersion.set(version);
        metrics.serving(version);
        lastError = null;
        if (artifact != null) {
            // a crash before the write ends restarts on the previous last good version, and the trainer, told by the
            // re-registration, sends this one again
            lastGood.keep(artifact, version);
        }
        LOG.infof(
                "version %d: loaded and warmed up on the spare session in %.2f s, then swapped in",
                version, (warmedUp - started) / 1e9);
        announceIfReady();
        return version;
    }

    /** The start-up sync with the trainer is over (or there is no trainer): readiness waits only for a model now. */
    public void syncFinished() {
        synced = true;
        announceIfReady();
    }

    private void announceIfReady() {
        if (ready() && announced.compareAndSet(false, true)) {
            readyEvent.fire(new ModelReady(config.id(), servedVersion.get()));
        }
    }

    public long servedVersion() {
        return servedVersion.get();
    }

    /** True while the model has weights, once the start-up sync is over: what readiness and both paths ask. */
    public boolean ready() {
        return synced && loaded();
    }

    /** True when the serving model has weights, whatever the sync's state. */
    public boolean loaded() {
        return model != null && model.isLoaded();
    }

    /** Why nothing is served, or null when a version is. */
    public String lastError() {
        return lastError;
    }

    public String device() {
        return model == null ? "none" : model.placement().device();
    }

    public DynamicBatcher batcher() {
        return batcher;
    }
}

package io.alexstream.worker.inference;

import com.google.protobuf.ByteString;
import io.alexstream.engine.image.Crops;
import io.alexstream.contracts.ImageLimits;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.Preprocessor;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.inference.BatchLimit;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.messaging.Channels;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.grpc.Status;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Owns this worker's model and batcher. At start-up it loads the configured weights; only
 * then does it resume the images channel (configured paused), so no image is ever answered
 * by random weights, and readiness turns UP.
 */
@ApplicationScoped
public class ModelService {

    private static final Logger LOG = Logger.getLogger(ModelService.class);

    /** The largest session run on a GPU unless configured. */
    public static final int GPU_MAX_BATCH = 16;
    /**
     * The largest session run on a CPU unless configured. On the project's 2-core machine, alone, batches of 16 ran
     * from 11% slower to 13% faster than batches of 8 in six sweeps (2% faster in the median); in the Kafka path,
     * beside ingest, the broker and the posting client, six timed windows of full batches of 8 sustained 0.90-1.07
     * of the bare engine, six of 16 (interleaved with them) 0.84-0.97. A run of 8 also answers in half the time.
     */
    public static final int CPU_MAX_BATCH = 8;

    private final WorkerConfig config;
    private final ChannelRegistry channels;
    private final Preprocessor preprocessor;
    /** The model that serves: the batcher asks for it at the start of every batch. */
    private volatile AlexNetModel model;
    private SessionOptions sessionOptions;
    private DynamicBatcher batcher;
    private volatile String lastError = "no weights loaded yet";
    /** The version being served, -1 before any: exported as alexstream_worker_model_version. */
    private final AtomicLong servedVersion = new AtomicLong(-1);

    private final WorkerMetrics workerMetrics;
    private final TrainerClient trainer;
    private final AlexNetConfig modelConfig;
    /**
     * A second session like the serving one, where new weights are loaded and validated; an accepted version is
     * swapped in by reference, and the model it replaces becomes the spare for the next one.
     */
    private AlexNetModel spare;
    private volatile boolean synced;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "trainer-heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    /** One writer, so the last good artifacts land on disk in the order they were activated. */
    private final ExecutorService diskWriter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "last-good-writer");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean resumed = new AtomicBoolean();
    private final Object convergeLock = new Object();
    /** Versions this worker's validation refused, with why: not pulled again. */
    private final java.util.Map<Long, String> refusedVersions = new java.util.concurrent.ConcurrentHashMap<>();

    public ModelService(WorkerConfig config, ChannelRegistry channels, TrainerClient trainer,
                        WorkerMetrics workerMetrics) {
        this.workerMetrics = workerMetrics;
        this.config = config;
        this.channels = channels;
        this.trainer = trainer;
        this.modelConfig = Profiles.byName(config.profile());
        this.preprocessor = new Preprocessor(new ImageLimits(config.maxImageBytes(), config.maxImageSide(), config.maxImagePixels()),
                modelConfig.scaleSize());
    }

    /** The batcher's largest run: {@code alexstream.worker.max-batch}, else by device. */
    public static int maxBatch(WorkerConfig config) {
        return config.maxBatch().orElse(config.gpu().isPresent() ? GPU_MAX_BATCH : CPU_MAX_BATCH);
    }

    void onStart(@Observes StartupEvent event) {
        SessionOptions placed = config.gpu().map(SessionOptions::gpu).orElse(SessionOptions.cpu());
        sessionOptions = config.intraOpThreads().map(threads -> placed.withThreads(threads, placed.interOpThreads())).orElse(placed);
        model = AlexNetModel.create(modelConfig, sessionOptions);
        int maxBatch = maxBatch(config);
        BatchLimit batchLimit = config.batchTuning() ? BatchLimit.tuned(maxBatch) : BatchLimit.fixed(maxBatch);
        batcher = new DynamicBatcher(() -> model, batchLimit, config.maxWaitMillis(), config.queueCapacity(), workerMetrics::batchRun);
        workerMetrics.exportBatchLimit(batcher::servedBatchLimit);
        LOG.infof("worker %s: profile %s on %s (%s), %s intra-op threads, batches of up to %d%s", config.id(), config.profile(),
                model.placement().device(), model.placement().explanation(),
                sessionOptions.intraOpThreads() == 0 ? "TensorFlow's choice of" : sessionOptions.intraOpThreads(), maxBatch,
                config.batchTuning() ? " (the size that runs fastest, learnt from the runs)" : "");
        workerMetrics.runsOn(model.placement().device());
        workerMetrics.exportServedVersion(servedVersion);
        Path lastGood = lastGoodFile();
        if (Files.isRegularFile(lastGood)) {
            loadFile(lastGood.toString());
        }
        if (!model.isLoaded()) {
            config.weightsFile().ifPresentOrElse(this::loadFile,
                    () -> LOG.warnf("worker %s has no weights file: not consuming until a model is loaded", config.id()));
        }
        if (trainer.configured()) {
            // a worker that starts later pulls the current version before it becomes ready
            Thread sync = new Thread(this::syncWithTrainer, "trainer-sync");
            sync.setDaemon(true);
            sync.start();
        } else {
            synced = true;
            resumeIfReady();
        }
    }

    private void syncWithTrainer() {
        try {
            long desired = trainer.register(servedVersion.get());
            convergeOn(desired);
        } catch (Exception e) {
            LOG.warnf("worker %s could not sync with the trainer (%s); serving %s", config.id(), e.getMessage(),
                    model.isLoaded() ? "version " + servedVersion.get() : "nothing");
        } finally {
            synced = true;
            resumeIfReady();
        }
        heartbeat.scheduleWithFixedDelay(this::registerAgain, config.trainerHeartbeatSeconds(), config.trainerHeartbeatSeconds(),
                TimeUnit.SECONDS);
    }

    /**
     * Registers again, so a trainer that restarted (its registrations live in memory and expire)
     * knows this worker, and converges on the version the trainer wants served here: a worker
     * that missed a rollout or a rollback catches up within one heartbeat, up or down.
     */
    private void registerAgain() {
        try {
            converge();
        } catch (Exception e) {
            LOG.debugf("worker %s could not converge with the trainer: %s", config.id(), e.getMessage());
        }
    }

    /**
     * Asks the trainer which version this worker should serve and pulls it when it differs from
     * the served one (a rollback included): the trainer's Sync call and the heartbeat both end
     * here, one at a time.
     *
     * @return the version served afterwards
     */
    public long converge() throws WeightsFormatException, WeightsRefusedException {
        synchronized (convergeLock) {
            return convergeOn(trainer.registerOnce(servedVersion.get()));
        }
    }

    private long convergeOn(long desired) throws WeightsFormatException, WeightsRefusedException {
        long served = servedVersion.get();
        if (desired <= 0 || (desired == served && model.isLoaded())) {
            return served;
        }
        String refusal = refusedVersions.get(desired);
        if (refusal != null) {
            // validation is deterministic: pulling a version this worker refused again would only refuse it again
            throw new WeightsRefusedException(Status.Code.FAILED_PRECONDITION, "version " + desired + " was refused here: " + refusal);
        }
        try {
            pullAndActivate(desired);
        } catch (WeightsRefusedException e) {
            refusedVersions.put(desired, e.getMessage());
            throw e;
        }
        return servedVersion.get();
    }

    private void pullAndActivate(long version) throws WeightsFormatException, WeightsRefusedException {
        LOG.infof("worker %s pulls version %d from the trainer (serving %d)", config.id(), version, servedVersion.get());
        ByteString artifact = trainer.pull(version);
        // the trainer's desired version wins, older or newer: that is how a rollback reaches a worker that missed it
        activate(WeightsCodec.read(artifact.newInput(), config.maxPushBytes()), true, artifact);
    }

    void onStop(@Observes ShutdownEvent event) {
        heartbeat.shutdownNow();
        diskWriter.shutdown();
        try {
            diskWriter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private void loadFile(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            activate(WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES), true, null);
            LOG.infof("worker %s loaded version %d from %s", config.id(), servedVersion.get(), file);
        } catch (IOException | WeightsFormatException | WeightsRefusedException e) {
            lastError = "cannot load " + file + ": " + e.getMessage();
            LOG.error(lastError);
        }
    }

    /**
     * Validates weights and, when they pass, swaps them in: compatible config and shapes, a
     * newer version (an explicit rollback may go back), and a warm-up inference on the spare
     * session, loaded with them, that must give finite probabilities summing to one. The swap
     * makes the spare the serving model: a batch in flight finishes on the old one, the next
     * batch runs on the new one, and nothing fails. The old model becomes the spare; loading
     * the next version into it waits for its last batch (its write lock). Accepted weights
     * are kept on disk and reloaded after a restart.
     *
     * @param artifact the encoded artifact to keep as the last good weights, or null when it came from that file
     * @return the version now served
     */
    public synchronized long activate(ModelWeights weights, boolean mayGoBack, ByteString artifact) throws WeightsRefusedException {
        try {
            weights.requireCompatible(modelConfig);
        } catch (WeightsFormatException e) {
            throw new WeightsRefusedException(Status.Code.FAILED_PRECONDITION, e.getMessage());
        }
        long version = weights.metadata().version();
        if (model.isLoaded() && version == servedVersion.get() && !mayGoBack) {
            return version;
        }
        if (model.isLoaded() && version < servedVersion.get() && !mayGoBack) {
            throw new WeightsRefusedException(Status.Code.FAILED_PRECONDITION, "version " + version
                    + " is older than the served version " + servedVersion.get() + " (only an explicit rollback goes back)");
        }
        long started = System.nanoTime();
        if (spare == null) {
            spare = AlexNetModel.create(modelConfig, sessionOptions);
        }
        loadAndWarmUp(spare, weights);
        long warmedUp = System.nanoTime();
        // a reference swap, not a second 244 MB load into the serving session: that load took 0.3-0.9 s of a push
        AlexNetModel previous = model;
        model = spare;
        spare = previous;
        if (!spare.isLoaded()) {
            // the session made at start-up has never run: it runs once now, with the same weights, so that the first
            // pushed version does not pay for its graph optimisation (validation took 1.21 s in a push that did)
            loadAndWarmUp(spare, weights);
        }
        servedVersion.set(version);
        workerMetrics.serving(version);
        lastError = null;
        if (artifact != null) {
            // off the push's critical path: a crash before the write ends restarts on the previous last good
            // version, and the trainer, told by the re-registration, pushes again
            diskWriter.execute(() -> keepAsLastGood(artifact));
        }
        LOG.infof("version %d: loaded and warmed up on the spare session in %.2f s, then swapped in", version,
                (warmedUp - started) / 1e9);
        resumeIfReady();
        return version;
    }

    private void loadAndWarmUp(AlexNetModel staging, ModelWeights weights) throws WeightsRefusedException {
        try {
            staging.load(weights);
        } catch (WeightsFormatException e) {
            throw new WeightsRefusedException(Status.Code.INVALID_ARGUMENT, e.getMessage());
        }
        int side = modelConfig.scaleSize();
        byte[] grey = new byte[side * side * 3];
        java.util.Arrays.fill(grey, (byte) 128);
        List<ClassScore> scores = staging.classify(List.of(new ScaledImage(side, grey)), Crops.Mode.TEN_CROP,
                modelConfig.numClasses()).get(0).top();
        double sum = 0;
        for (ClassScore score : scores) {
            if (!Double.isFinite(score.probability())) {
                throw new WeightsRefusedException(Status.Code.INVALID_ARGUMENT,
                        "WARM_UP_FAILED: the warm-up inference gave a non-finite probability for class " + score.index());
            }
            sum += score.probability();
        }
        if (Math.abs(sum - 1) > 1e-3) {
            throw new WeightsRefusedException(Status.Code.INVALID_ARGUMENT,
                    "WARM_UP_FAILED: the warm-up probabilities sum to " + sum + ", not 1");
        }
    }

    private void keepAsLastGood(ByteString artifact) {
        Path target = lastGoodFile();
        long started = System.nanoTime();
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path staged = target.resolveSibling(target.getFileName() + ".staged");
            try (var out = Files.newOutputStream(staged)) {
                artifact.writeTo(out);
            }
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.debugf("worker %s kept its last good weights at %s in %.2f s", config.id(), target, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            LOG.warnf("worker %s serves version %d but could not keep it at %s: %s", config.id(), servedVersion.get(),
                    target, e.getMessage());
        }
    }

    private Path lastGoodFile() {
        return Path.of(config.stateDir()).resolve(config.id() + "-last-good.alxw");
    }

    private void resumeIfReady() {
        if (ready() && resumed.compareAndSet(false, true)) {
            channels.getPausable(Channels.IMAGES_IN).resume();
            LOG.infof("worker %s serves version %d and consumes images", config.id(), servedVersion.get());
        }
    }

    public long servedVersion() {
        return servedVersion.get();
    }

    public boolean ready() {
        return synced && model != null && model.isLoaded();
    }

    public String lastError() {
        return lastError;
    }

    public String device() {
        return model == null ? "none" : model.placement().device();
    }

    /** Decodes, checks and rescales an encoded image for this model. */
    public ScaledImage prepare(byte[] encoded) throws ImageRejectedException {
        return preprocessor.prepare(encoded);
    }

    public DynamicBatcher batcher() {
        return batcher;
    }
}

package io.alexstream.worker.inference;

import io.alexstream.engine.image.ImageLimits;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.Preprocessor;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.messaging.Channels;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Owns this worker's model and batcher. At start-up it loads the configured weights; only
 * then does it resume the images channel (configured paused), so no image is ever answered
 * by random weights, and readiness turns UP.
 */
@ApplicationScoped
public class ModelService {

    private static final Logger LOG = Logger.getLogger(ModelService.class);

    private final WorkerConfig config;
    private final ChannelRegistry channels;
    private final Preprocessor preprocessor;
    private AlexNetModel model;
    private DynamicBatcher batcher;
    private volatile String lastError = "no weights loaded yet";
    /** The version being served, -1 before any: exported as alexstream_worker_model_version. */
    private final AtomicLong servedVersion = new AtomicLong(-1);

    private final MeterRegistry metrics;

    public ModelService(WorkerConfig config, ChannelRegistry channels, MeterRegistry metrics) {
        this.config = config;
        this.channels = channels;
        this.metrics = metrics;
        this.preprocessor = new Preprocessor(new ImageLimits(config.maxImageBytes(), config.maxImageSide(), config.maxImagePixels()),
                Profiles.byName(config.profile()).scaleSize());
    }

    void onStart(@Observes StartupEvent event) {
        SessionOptions options = config.gpu().map(SessionOptions::gpu).orElse(SessionOptions.cpu());
        model = AlexNetModel.create(Profiles.byName(config.profile()), options);
        batcher = new DynamicBatcher(model, config.maxBatch(), config.maxWaitMillis(), config.queueCapacity(), size -> { });
        LOG.infof("worker %s: profile %s on %s (%s)", config.id(), config.profile(), model.placement().device(),
                model.placement().explanation());
        // alexstream_worker_device_info{device="cpu"|"gpu:N"} 1, alexstream_worker_model_version
        Gauge.builder("alexstream.worker.device.info", () -> 1)
                .tags(Tags.of("device", model.placement().device(), "worker", config.id()))
                .strongReference(true).register(metrics);
        Gauge.builder("alexstream.worker.model.version", servedVersion, AtomicLong::doubleValue)
                .tags(Tags.of("worker", config.id()))
                .strongReference(true).register(metrics);
        config.weightsFile().ifPresentOrElse(this::loadFile,
                () -> LOG.warnf("worker %s has no weights file: not consuming until a model is loaded", config.id()));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (batcher != null) {
            batcher.close();
        }
        if (model != null) {
            model.close();
        }
    }

    private void loadFile(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            model.load(WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES));
            lastError = null;
            servedVersion.set(model.metadata().version());
            LOG.infof("worker %s serves model version %d from %s", config.id(), model.metadata().version(), file);
            channels.getPausable(Channels.IMAGES_IN).resume();
        } catch (IOException | WeightsFormatException e) {
            lastError = "cannot load " + file + ": " + e.getMessage();
            LOG.error(lastError);
        }
    }

    public boolean ready() {
        return model != null && model.isLoaded();
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

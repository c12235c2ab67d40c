package io.alexstream.engine.model;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.Prediction;
import io.alexstream.engine.model.AlexNetGraph.ModelVariable;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.runtime.Placement;
import io.alexstream.engine.runtime.Precision;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * One AlexNet: owns its graph and session. Inference is thread-safe and runs concurrently
 * (the session is shared, every tensor belongs to one call). Loading weights and training
 * steps take the write lock, so a call in flight finishes on the weights it started with and
 * never sees half of a swap.
 */
public final class AlexNetModel implements AutoCloseable {

    /** Standard deviation of the paper's weight initialisation, N(0, 0.01). */
    public static final double INIT_STDDEV = 0.01;

    private final AlexNetConfig config;
    private final Graph graph;
    private final Session session;
    private final AlexNetGraph handles;
    private final Placement placement;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private float[] mean;
    private WeightsMetadata metadata;
    private boolean loaded;
    // bf16 only: training changed the weights since the bfloat16 copies were made
    private volatile boolean copiesStale;

    private AlexNetModel(
            AlexNetConfig config, Graph graph, Session session, AlexNetGraph handles, Placement placement) {
        this.config = config;
        this.graph = graph;
        this.session = session;
        this.handles = handles;
        this.placement = placement;
        this.mean = new float[config.scaleSize() * config.scaleSize() * AlexNetConfig.CHANNELS];
    }

    public static AlexNetModel create(AlexNetConfig config, SessionOptions options) {
        Placement placement = Placement.detect(options);
        Graph graph = new Graph();
        try {
            AlexNetGraph handles = AlexNetGraph.build(graph, config, options.precision());
            Session session = new Session(graph, options.toConfigProto());
            return new AlexNetModel(config, graph, session, handles, placement);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    public AlexNetConfig config() {
        return config;
    }

    public Placement placement() {
        return placement;
    }

    /** The numbers inference computes with. */
    public Precision precision() {
        return handles.precision();
    }

    public boolean isLoaded() {
        lock.readLock().lock();
        try {
            return loaded;
        } finally {
            lock.readLock().unlock();
        }
    }

    public WeightsMetadata metadata() {
        lock.readLock().lock();
        try {
            return metadata;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The mean image (S x S x 3) that is subtracted from every crop. */
    public float[] mean() {
        lock.readLock().lock();
        try {
            return mean.clone();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The paper's initialisation: weights from N(0, 0.01), biases 1 in conv2, conv4, conv5,
     * fc6 and fc7 and 0 elsewhere; the mean image as given (the training set's).
     */
    public void initialize(long seed, float[] meanImage) {
        initialize(seed, meanImage, Initialization.forProfile(config));
    }

    /** As {@link #initialize(long, float[])} with an explicit scheme. */
    public void initialize(long seed, float[] meanImage, Initialization initialization) {
        try {
            load(InitialWeights.draw(config, seed, meanImage, initialization));
        } catch (WeightsFormatException e) {
            throw new IllegalStateException("freshly initialised weights must fit their own config", e);
        }
    }

    /**
     * Replaces every variable and the mean image in one session run, and clears the momentum.
     * Checks the weights against this model's config first; on refusal nothing changes.
     */
    public void load(ModelWeights weights) throws WeightsFormatException {
        weights.requireCompatible(config);
        if (weights.mean().length != mean.length) {
            throw new WeightsFormatException(
                    WeightsFormatException.Reason.SHAPE_MISMATCH,
                    "mean image has " + weights.mean().length + " values; the model expects " + mean.length);
        }
        List<TFloat32> tensors = new ArrayList<>();
        lock.writeLock().lock();
        try {
            Session.Runner runner = session.runner();
            for (ModelVariable variable : handles.variables()) {
                float[] values = weights.variables().get(variable.spec().name());
                TFloat32 tensor =
                        TFloat32.tensorOf(Shape.of(variable.spec().shape()), DataBuffers.of(values, true, false));
                tensors.add(tensor);
                runner.feed(variable.loadValue(), tensor)
                        .addTarget(variable.load())
                        .addTarget(variable.resetMomentum());
            }
            runner.run().close();
            refreshCopies();
            mean = weights.mean().clone();
            metadata = weights.metadata();
            loaded = true;
        } finally {
            lock.writeLock().unlock();
            tensors.forEach(TFloat32::close);
        }
    }

    /** A snapshot of every variable and the mean, with the given metadata. */
    public ModelWeights export(WeightsMetadata newMetadata) {
        lock.readLock().lock();
        try {
            requireLoaded();
            Session.Runner runner = session.runner();
            handles.variables().forEach(v -> runner.fetch(v.variable()));
            Map<String, float[]> values = new LinkedHashMap<>();
            try (Result result = runner.run()) {
                for (int i = 0; i < handles.variables().size(); i++) {
                    VariableSpec spec = handles.variables().get(i).spec();
                    float[] v = new float[(int) spec.size()];
                    ((TFloat32) result.get(i)).asRawTensor().data().asFloats().read(v);
                    values.put(spec.name(), v);
                }
            }
            return new ModelWeights(config, newMetadata, mean.clone(), values);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Classifies images with the paper's ten crops (or the centre crop) in one session run. */
    public List<Prediction> classify(List<ScaledImage> images, Crops.Mode mode, int topK) {
        if (images.isEmpty()) {
            return List.of();
        }
        int crops = images.size() * mode.crops();
        float[] probabilities = new float[crops * config.numClasses()];
        long version;
        for (ScaledImage image : images) {
            requireScaled(image);
        }
        refreshIfStale();
        lock.readLock().lock();
        try {
            requireLoaded();
            version = metadata.version();
            Shape shape = Shape.of(crops, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS);
            try (TFloat32 input = TFloat32.tensorOf(shape)) {
                CropBatch.write(
                        images,
                        mean,
                        config.cropSize(),
                        mode,
                        input.asRawTensor().data().asFloats());
                runProbabilities(input, probabilities);
            }
        } finally {
            lock.readLock().unlock();
        }
        return CropVote.predictions(probabilities, images.size(), mode.crops(), config.classNames(), topK, version);
    }

    /** Softmax of the inference branch for crops already laid out (C x C x 3, mean subtracted). */
    public float[] probabilities(float[] crops, int count) {
        float[] out = new float[count * config.numClasses()];
        refreshIfStale();
        lock.readLock().lock();
        try {
            requireLoaded();
            runProbabilities(crops, count, out);
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    private void runProbabilities(float[] crops, int count, float[] out) {
        Shape shape = Shape.of(count, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS);
        try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(crops, true, false))) {
            runProbabilities(input, out);
        }
    }

    private void runProbabilities(TFloat32 input, float[] out) {
        try (Result result = session.runner()
                .feed(AlexNetGraph.IMAGES, input)
                .fetch(AlexNetGraph.PROBABILITIES)
                .run()) {
            ((TFloat32) result.get(0)).asRawTensor().data().asFloats().read(out);
        }
    }

    /**
     * One SGD step of the paper's rule on a batch of crops (C x C x 3, mean subtracted) with
     * integer labels; returns the batch's mean cross-entropy before the update.
     */
    public float trainStep(float[] crops, int[] labels, float learningRate) {
        int count = labels.length;
        int classes = config.numClasses();
        float[] oneHot = new float[count * classes];
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " is outside 0.." + (classes - 1));
            }
            oneHot[i * classes + labels[i]] = 1f;
        }
        Shape shape = Shape.of(count, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS);
        lock.writeLock().lock();
        try {
            requireLoaded();
            try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(crops, true, false));
                    TFloat32 targets =
                            TFloat32.tensorOf(Shape.of(count, classes), DataBuffers.of(oneHot, true, false));
                    TFloat32 rate = TFloat32.scalarOf(learningRate);
                    Result result = session.runner()
                            .feed(AlexNetGraph.IMAGES, input)
                            .feed(AlexNetGraph.LABELS, targets)
                            .feed(AlexNetGraph.LEARNING_RATE, rate)
                            .fetch(AlexNetGraph.LOSS)
                            .addTarget(AlexNetGraph.TRAIN_STEP)
                            .run()) {
                copiesStale = handles.precision() == Precision.BF16;
                return ((TFloat32) result.get(0)).getFloat();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Makes the bfloat16 copies (bf16 only) from the variables; the caller holds the write lock. */
    private void refreshCopies() {
        if (handles.precision() == Precision.BF16) {
            session.runner().addTarget(AlexNetGraph.REFRESH_BF16).run().close();
        }
        copiesStale = false;
    }

    /** Training steps leave the bfloat16 copies behind; the first inference after them refreshes them once. */
    private void refreshIfStale() {
        if (!copiesStale) {
            return;
        }
        lock.writeLock().lock();
        try {
            if (copiesStale) {
                refreshCopies();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("no weights loaded: call initialize or load first");
        }
    }

    private void requireScaled(ScaledImage image) {
        if (image.size() != config.scaleSize()) {
            throw new IllegalArgumentException("image is " + image.size() + "x" + image.size() + "; this model needs "
                    + config.scaleSize() + "x" + config.scaleSize() + " (see Preprocessor)");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            session.close();
            graph.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}

package io.alexstream.bench.peer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.CropBatch;
import io.alexstream.engine.weights.ModelWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.tensorflow.ndarray.buffer.DataBuffers;

/**
 * The peer: ONNX Runtime's CPU engine running {@link OnnxExport}'s graph of the same weights, fed crops built by the
 * engine's own {@link CropBatch} straight into its input buffer, so the two are timed doing the same work.
 */
public final class PeerEngine implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final AlexNetConfig config;
    private final float[] mean;

    private PeerEngine(OrtEnvironment environment, OrtSession session, ModelWeights weights) {
        this.environment = environment;
        this.session = session;
        this.config = weights.config();
        this.mean = weights.mean().clone();
    }

    /** One session with {@code threads} intra-op threads (one per core runs fastest) and every optimisation on. */
    public static PeerEngine create(ModelWeights weights, int threads) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // no busy-waiting between runs: the bench alternates it with the engine on the same cores
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return new PeerEngine(environment, environment.createSession(OnnxExport.model(weights), options), weights);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the exported AlexNet: " + e.getMessage(), e);
        }
    }

    /** ONNX Runtime's version, as its native library reports it. */
    public String version() {
        return environment.getVersion();
    }

    /** Softmax per crop for crops already laid out as the engine takes them (C x C x 3, mean subtracted). */
    public float[] probabilities(float[] crops, int count) {
        FloatBuffer input = direct(crops.length);
        input.put(crops).rewind();
        return run(input, count);
    }

    /** 10-crop probabilities of each image, averaged over its crops: [images x classes]. */
    public float[] classify(List<ScaledImage> images) {
        int cropValues = config.cropSize() * config.cropSize() * AlexNetConfig.CHANNELS;
        int count = images.size() * Crops.TEN;
        FloatBuffer input = direct((long) count * cropValues);
        CropBatch.write(images, mean, config.cropSize(), Crops.Mode.TEN_CROP, DataBuffers.of(input));
        float[] perCrop = run(input, count);
        int classes = config.numClasses();
        float[] averaged = new float[images.size() * classes];
        for (int c = 0; c < count; c++) {
            int image = c / Crops.TEN;
            for (int k = 0; k < classes; k++) {
                averaged[image * classes + k] += perCrop[c * classes + k] / Crops.TEN;
            }
        }
        return averaged;
    }

    private float[] run(FloatBuffer input, int count) {
        long[] shape = {count, config.cropSize(), config.cropSize(), AlexNetConfig.CHANNELS};
        try (OnnxTensor tensor = OnnxTensor.createTensor(environment, input, shape);
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, tensor))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] probabilities = new float[out.remaining()];
            out.get(probabilities);
            return probabilities;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private static FloatBuffer direct(long values) {
        return ByteBuffer.allocateDirect(Math.toIntExact(values * Float.BYTES))
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session failed", e);
        }
    }
}

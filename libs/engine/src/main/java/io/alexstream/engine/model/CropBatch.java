package io.alexstream.engine.model;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * Lays out every crop of a batch of images, mean subtracted, straight into the input tensor's
 * native buffer, crops in parallel: at batch 1 the ten paper-size crops (6 MB of floats) cost a
 * fifth of a forward pass when built on one thread into a Java array and copied. Public so that the bench's peer
 * engine is fed crops built by this same code.
 */
public final class CropBatch {

    private static final ThreadLocal<float[]> CROP_BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    private CropBatch() {}

    /** Crop {@code c} of image {@code i} lands at crop index {@code i * mode.crops() + c} of {@code target}. */
    public static void write(
            List<ScaledImage> images, float[] meanImage, int cropSize, Crops.Mode mode, FloatDataBuffer target) {
        int cropValues = cropSize * cropSize * AlexNetConfig.CHANNELS;
        int perImage = mode.crops();
        IntStream.range(0, images.size() * perImage).parallel().forEach(task -> {
            float[] crop = CROP_BUFFER.get();
            if (crop.length != cropValues) {
                crop = new float[cropValues];
                CROP_BUFFER.set(crop);
            }
            Crops.writeCrop(images.get(task / perImage), meanImage, cropSize, mode, task % perImage, crop, 0);
            target.offset((long) task * cropValues).write(crop);
        });
    }
}

package io.alexstream.engine.training;

import io.alexstream.engine.image.ScaledImage;
import java.util.List;

/** The training set's mean image (S x S x 3), the paper's only input normalisation. */
public final class MeanImage {

    private MeanImage() {}

    public static float[] of(List<ScaledImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("the mean of no images is undefined");
        }
        int length = images.get(0).rgb().length;
        double[] sum = new double[length];
        for (ScaledImage image : images) {
            byte[] rgb = image.rgb();
            for (int i = 0; i < length; i++) {
                sum[i] += rgb[i] & 0xff;
            }
        }
        float[] mean = new float[length];
        for (int i = 0; i < length; i++) {
            mean[i] = (float) (sum[i] / images.size());
        }
        return mean;
    }
}

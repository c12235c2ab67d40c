package io.alexstream.engine.inference;

import java.util.List;

/**
 * The answer for one image.
 *
 * @param top          the k most probable classes, most probable first
 * @param cropsUsed    10 for the paper's ten-crop procedure, 1 for centre-crop only
 * @param modelVersion version of the weights that produced it
 */
public record Prediction(List<ClassScore> top, int cropsUsed, long modelVersion) {

    public ClassScore best() {
        return top.get(0);
    }
}

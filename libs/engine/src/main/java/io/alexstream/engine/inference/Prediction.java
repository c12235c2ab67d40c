package io.alexstream.engine.inference;

import java.util.List;

/**
 * The answer for one image.
 *
 * @param top              the k most probable classes, most probable first
 * @param cropsUsed        10 for the paper's ten-crop procedure, 1 for centre-crop only
 * @param modelVersion     version of the weights that produced it
 * @param cropDisagreement the fraction of crops whose own most probable class is not the averaged answer's: 0 when
 *                         every crop agrees (always with one crop); a signal of doubt only 10-crop inference gives
 */
public record Prediction(List<ClassScore> top, int cropsUsed, long modelVersion, double cropDisagreement) {

    public Prediction(List<ClassScore> top, int cropsUsed, long modelVersion) {
        this(top, cropsUsed, modelVersion, 0.0);
    }

    public ClassScore best() {
        return top.get(0);
    }
}

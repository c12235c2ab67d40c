package io.alexstream.engine.image;

import io.alexstream.contracts.ImageLimits;

/**
 * Encoded bytes to the paper's S x S image: checked, decoded, rescaled, centre-cropped.
 * Stateless and thread-safe.
 */
public final class Preprocessor {

    private final ImageDecoder decoder;
    private final int scaleSize;

    public Preprocessor(ImageLimits limits, int scaleSize) {
        this.decoder = new ImageDecoder(limits);
        this.scaleSize = scaleSize;
    }

    public ScaledImage prepare(byte[] encoded) throws ImageRejectedException {
        // twice the scale size on the shorter side: the rescaler's filter still sees every
        // output pixel's neighbourhood, and a huge image never exists on the heap in full
        return Rescaler.scale(decoder.decode(encoded, 2 * scaleSize), scaleSize);
    }

    public ScaledImage prepare(RgbImage image) {
        return Rescaler.scale(image, scaleSize);
    }
}

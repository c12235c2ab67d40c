package io.alexstream.engine.image;

/**
 * An image after the paper's rescaling: S x S pixels, 8-bit RGB interleaved, before mean
 * subtraction (the mean belongs to the weights, not to the image).
 */
public record ScaledImage(int size, byte[] rgb) {

    public ScaledImage {
        if (rgb.length != size * size * 3) {
            throw new IllegalArgumentException(
                    "expected " + size * size * 3 + " bytes for " + size + "x" + size + ", got " + rgb.length);
        }
    }

    public int value(int x, int y, int channel) {
        return rgb[(y * size + x) * 3 + channel] & 0xff;
    }
}

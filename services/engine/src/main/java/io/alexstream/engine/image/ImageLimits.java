package io.alexstream.engine.image;

/**
 * Limits checked before an image is decoded.
 *
 * @param maxBytes  largest encoded image accepted
 * @param maxSide   largest width or height, read from the header
 * @param maxPixels largest width x height, read from the header (guards against decompression bombs)
 */
public record ImageLimits(long maxBytes, int maxSide, long maxPixels) {

    public static final ImageLimits DEFAULT = new ImageLimits(20L << 20, 12_000, 40_000_000L);

    public ImageLimits {
        if (maxBytes <= 0 || maxSide <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }
}

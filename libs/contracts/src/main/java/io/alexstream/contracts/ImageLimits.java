package io.alexstream.contracts;

/**
 * Limits checked before an image is decoded, the same at ingest, in the worker and in the trainer.
 *
 * @param maxBytes  largest encoded image accepted
 * @param maxSide   largest width or height, read from the header
 * @param maxPixels largest width x height, read from the header (guards against decompression bombs)
 */
public record ImageLimits(long maxBytes, int maxSide, long maxPixels) {

    /** 20 MiB: a camera JPEG fits, a record stays well under the broker's message limit. */
    public static final long DEFAULT_MAX_BYTES = 20L << 20;

    public static final int DEFAULT_MAX_SIDE = 12_000;
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /** The defaults as configuration strings, for {@code @WithDefault}. */
    public static final String DEFAULT_MAX_BYTES_TEXT = "" + DEFAULT_MAX_BYTES;

    public static final String DEFAULT_MAX_SIDE_TEXT = "" + DEFAULT_MAX_SIDE;
    public static final String DEFAULT_MAX_PIXELS_TEXT = "" + DEFAULT_MAX_PIXELS;

    public static final ImageLimits DEFAULT = new ImageLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_SIDE, DEFAULT_MAX_PIXELS);

    public ImageLimits {
        if (maxBytes <= 0 || maxSide <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }
}

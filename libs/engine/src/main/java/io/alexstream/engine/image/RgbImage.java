package io.alexstream.engine.image;

/**
 * A decoded image: 8-bit RGB, row-major, interleaved ({@code rgb[(y * width + x) * 3 + c]}).
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    /** An 8-bit grayscale raster (e.g. an IDX image) with its one channel replicated to R, G and B. */
    public static RgbImage fromGray(int width, int height, byte[] gray) {
        if (gray.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " gray bytes, got " + gray.length);
        }
        byte[] rgb = new byte[gray.length * 3];
        for (int i = 0; i < gray.length; i++) {
            rgb[3 * i] = gray[i];
            rgb[3 * i + 1] = gray[i];
            rgb[3 * i + 2] = gray[i];
        }
        return new RgbImage(width, height, rgb);
    }
}

package io.alexstream.engine.image;

/**
 * The paper's test-time crops of an S x S image: four corners and the centre, each C x C,
 * followed by their horizontal reflections. Crop k (0..9) is position {@code k % 5} of
 * {@link #POSITIONS} and is mirrored when {@code k >= 5}. The centre is at
 * ((S - C) / 2, (S - C) / 2), rounded down.
 */
public final class Crops {

    public enum Position {
        TOP_LEFT,
        TOP_RIGHT,
        BOTTOM_LEFT,
        BOTTOM_RIGHT,
        CENTER
    }

    public static final Position[] POSITIONS = Position.values();
    public static final int TEN = 10;

    /** How many crops an image is classified with. */
    public enum Mode {
        /** The paper's ten crops, softmax averaged. */
        TEN_CROP(TEN),
        /** The centre crop only. */
        CENTER(1);

        private final int crops;

        Mode(int crops) {
            this.crops = crops;
        }

        public int crops() {
            return crops;
        }
    }

    private Crops() {}

    /** Left, top of a crop position. */
    public static int[] origin(Position position, int scaleSize, int cropSize) {
        int far = scaleSize - cropSize;
        return switch (position) {
            case TOP_LEFT -> new int[] {0, 0};
            case TOP_RIGHT -> new int[] {far, 0};
            case BOTTOM_LEFT -> new int[] {0, far};
            case BOTTOM_RIGHT -> new int[] {far, far};
            case CENTER -> new int[] {far / 2, far / 2};
        };
    }

    /**
     * Writes the crops of {@code mode} for one image into {@code dest} at {@code offset},
     * as float32 C x C x 3 each, with {@code mean} (S x S x 3) subtracted pixel by pixel.
     * Returns the offset just after the last value written.
     */
    public static int write(ScaledImage image, float[] mean, int cropSize, Mode mode, float[] dest, int offset) {
        if (mode == Mode.CENTER) {
            return writeCrop(image, mean, cropSize, Position.CENTER, false, dest, offset);
        }
        int next = offset;
        for (int k = 0; k < TEN; k++) {
            next = writeCrop(image, mean, cropSize, POSITIONS[k % 5], k >= 5, dest, next);
        }
        return next;
    }

    /** Crop {@code k} of {@code mode} (0..9 for ten-crop, 0 for centre) of one image. */
    public static int writeCrop(
            ScaledImage image, float[] mean, int cropSize, Mode mode, int k, float[] dest, int offset) {
        if (k < 0 || k >= mode.crops()) {
            throw new IllegalArgumentException("crop " + k + " does not exist in mode " + mode);
        }
        Position position = mode == Mode.CENTER ? Position.CENTER : POSITIONS[k % 5];
        return writeCrop(image, mean, cropSize, position, k >= 5, dest, offset);
    }

    /** One crop at an arbitrary origin, optionally mirrored; used by training's random crops too. */
    public static int writeCrop(
            ScaledImage image,
            float[] mean,
            int cropSize,
            int left,
            int top,
            boolean mirrored,
            float[] dest,
            int offset) {
        return writeCrop(image, mean, cropSize, left, top, mirrored, NO_SHIFT, dest, offset);
    }

    private static final float[] NO_SHIFT = new float[3];

    /** As above, adding {@code colourShift} (one value per channel) to every pixel: PCA colour augmentation. */
    public static int writeCrop(
            ScaledImage image,
            float[] mean,
            int cropSize,
            int left,
            int top,
            boolean mirrored,
            float[] colourShift,
            float[] dest,
            int offset) {
        int size = image.size();
        if (left < 0 || top < 0 || left + cropSize > size || top + cropSize > size) {
            throw new IllegalArgumentException(
                    "crop " + cropSize + " at (" + left + "," + top + ") leaves the " + size + "x" + size + " image");
        }
        byte[] rgb = image.rgb();
        int o = offset;
        for (int y = 0; y < cropSize; y++) {
            int row = (top + y) * size;
            for (int x = 0; x < cropSize; x++) {
                int sx = mirrored ? left + cropSize - 1 - x : left + x;
                int p = (row + sx) * 3;
                dest[o++] = (rgb[p] & 0xff) - mean[p] + colourShift[0];
                dest[o++] = (rgb[p + 1] & 0xff) - mean[p + 1] + colourShift[1];
                dest[o++] = (rgb[p + 2] & 0xff) - mean[p + 2] + colourShift[2];
            }
        }
        return o;
    }

    private static int writeCrop(
            ScaledImage image,
            float[] mean,
            int cropSize,
            Position position,
            boolean mirrored,
            float[] dest,
            int offset) {
        int[] origin = origin(position, image.size(), cropSize);
        return writeCrop(image, mean, cropSize, origin[0], origin[1], mirrored, dest, offset);
    }
}

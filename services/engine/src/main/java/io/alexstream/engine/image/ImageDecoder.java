package io.alexstream.engine.image;

import io.alexstream.engine.image.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG, PNG, GIF and BMP into {@link RgbImage}. The header is read first and the
 * dimensions checked against {@link ImageLimits} before any pixel buffer exists, so a small
 * file that claims 40,000 x 40,000 pixels costs nothing. Grayscale images have their channel
 * replicated to RGB without colour-space conversion (Java's getRGB would re-gamma them).
 */
public final class ImageDecoder {

    public static final Set<String> FORMATS = Set.of("jpeg", "png", "gif", "bmp");

    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = limits;
    }

    /** Format and dimensions read from the header only. */
    public record Header(String format, int width, int height) {
    }

    public Header readHeader(byte[] encoded) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            return opened.header;
        }
    }

    public RgbImage decode(byte[] encoded) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            return toRgb(readPixels(opened));
        }
    }

    /**
     * Decodes the whole image, proving it decodable, and returns its header: for callers that
     * pass the encoded bytes on and need only the format.
     */
    public Header verify(byte[] encoded) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            readPixels(opened);
            return opened.header;
        }
    }

    private static BufferedImage readPixels(Opened opened) throws ImageRejectedException {
        try {
            return opened.reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(Reason.CORRUPT,
                    "cannot decode " + opened.header.format() + " image: " + e.getMessage(), e);
        }
    }

    private Opened open(byte[] encoded) throws ImageRejectedException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY, "image is empty");
        }
        if (encoded.length > limits.maxBytes()) {
            throw new ImageRejectedException(Reason.TOO_MANY_BYTES,
                    "image is " + encoded.length + " bytes; the limit is " + limits.maxBytes() + " bytes");
        }
        // not ImageIO.createImageInputStream: with ImageIO's default cache setting it copies every image into a
        // temporary file first, which took 2.0-2.2 ms of a 320x256 JPEG's 2.4-2.7 ms decode (0.4-0.5 ms from memory)
        ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
        Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
        ImageReader reader = null;
        while (readers.hasNext() && reader == null) {
            ImageReader candidate = readers.next();
            if (FORMATS.contains(formatOf(candidate))) {
                reader = candidate;
            }
        }
        if (reader == null) {
            closeQuietly(input);
            throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT,
                    "not a supported image; accepted formats: JPEG, PNG, GIF, BMP");
        }
        reader.setInput(input, true, true);
        String format = formatOf(reader);
        try {
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            Header header = new Header(format, width, height);
            Opened opened = new Opened(reader, input, header);
            if (width <= 0 || height <= 0) {
                opened.close();
                throw new ImageRejectedException(Reason.CORRUPT, format + " header gives size " + width + "x" + height);
            }
            if (width > limits.maxSide() || height > limits.maxSide()
                    || (long) width * height > limits.maxPixels()) {
                opened.close();
                throw new ImageRejectedException(Reason.DIMENSIONS_TOO_LARGE, String.format(Locale.ROOT,
                        "%s image is %dx%d (%d pixels); limits are %d pixels per side and %d pixels in all",
                        format, width, height, (long) width * height, limits.maxSide(), limits.maxPixels()));
            }
            return opened;
        } catch (IOException | RuntimeException e) {
            reader.dispose();
            closeQuietly(input);
            throw new ImageRejectedException(Reason.CORRUPT, "cannot read " + format + " header: " + e.getMessage(), e);
        }
    }

    private static String formatOf(ImageReader reader) {
        try {
            return reader.getFormatName().toLowerCase(Locale.ROOT).replace("jpg", "jpeg");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static RgbImage toRgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] rgb = new byte[width * height * 3];
        Raster raster = image.getRaster();
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            byte[] gray = ((DataBufferByte) raster.getDataBuffer()).getData();
            if (gray.length == width * height) {
                return RgbImage.fromGray(width, height, gray);
            }
        }
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getData().length == rgb.length) {
            byte[] bgr = buffer.getData();
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = bgr[i + 2];
                rgb[i + 1] = bgr[i + 1];
                rgb[i + 2] = bgr[i];
            }
            return new RgbImage(width, height, rgb);
        }
        boolean singleBandGray = raster.getNumBands() == 1 && image.getColorModel().getColorSpace().getType()
                == java.awt.color.ColorSpace.TYPE_GRAY && raster.getSampleModel().getSampleSize(0) == 8;
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            if (singleBandGray) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int o = (y * width + x) * 3;
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) row[x];
                }
            } else {
                image.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    int o = (y * width + x) * 3;
                    rgb[o] = (byte) (row[x] >> 16);
                    rgb[o + 1] = (byte) (row[x] >> 8);
                    rgb[o + 2] = (byte) row[x];
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static void closeQuietly(ImageInputStream input) {
        try {
            input.close();
        } catch (IOException ignored) {
            // nothing to recover: the stream wraps a byte array
        }
    }

    private static final class Opened implements AutoCloseable {
        final ImageReader reader;
        final ImageInputStream input;
        final Header header;

        Opened(ImageReader reader, ImageInputStream input, Header header) {
            this.reader = reader;
            this.input = input;
            this.header = header;
        }

        @Override
        public void close() {
            reader.dispose();
            closeQuietly(input);
        }
    }
}

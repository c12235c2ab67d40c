package io.alexstream.engine.image;

import io.alexstream.contracts.ImageLimits;
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
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG, PNG, GIF and BMP into {@link RgbImage}. The header is read first and the
 * dimensions checked against {@link ImageLimits} before any pixel buffer exists, so a small
 * file that claims 40,000 x 40,000 pixels costs nothing. Memory is bounded whatever arrives:
 * a caller that needs only a short side of N pixels gets the image subsampled while it is read
 * (a 6000x6000 16-bit PNG is read as 545x545, never as 288 MB of samples), every decode takes
 * its decoded bytes from a {@link DecodeBudget} first, and anything the JDK's readers throw,
 * {@code Error}s included, is a {@code CORRUPT} rejection. Grayscale images have their channel
 * replicated to RGB without colour-space conversion (Java's getRGB would re-gamma them).
 */
public final class ImageDecoder {

    public static final Set<String> FORMATS = Set.of("jpeg", "png", "gif", "bmp");

    /** What {@link #verify} reads at least: enough rows to decode every byte, few pixels kept. */
    static final int VERIFY_SHORT_SIDE = 64;

    private final ImageLimits limits;
    private final DecodeBudget budget;

    public ImageDecoder(ImageLimits limits) {
        this(limits, DecodeBudget.SHARED);
    }

    public ImageDecoder(ImageLimits limits, DecodeBudget budget) {
        this.limits = limits;
        this.budget = budget;
    }

    /** Format and dimensions read from the header only. */
    public record Header(String format, int width, int height) {}

    public Header readHeader(byte[] encoded) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            return opened.header;
        }
    }

    /** The whole image at full resolution. */
    public RgbImage decode(byte[] encoded) throws ImageRejectedException {
        return decode(encoded, Integer.MAX_VALUE);
    }

    /**
     * The image, subsampled while it is read by the largest whole factor that keeps its shorter
     * side at {@code minShortSide} pixels or more (no subsampling for smaller images).
     */
    public RgbImage decode(byte[] encoded, int minShortSide) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            return readRgb(opened, minShortSide);
        }
    }

    /**
     * Decodes the whole image, proving it decodable, and returns its header: for callers that
     * pass the encoded bytes on and need only the format.
     */
    public Header verify(byte[] encoded) throws ImageRejectedException {
        try (Opened opened = open(encoded)) {
            readRgb(opened, VERIFY_SHORT_SIDE);
            return opened.header;
        }
    }

    private RgbImage readRgb(Opened opened, int minShortSide) throws ImageRejectedException {
        Header header = opened.header;
        int factor = Math.max(1, Math.min(header.width(), header.height()) / Math.max(1, minShortSide));
        long width = (header.width() + factor - 1) / factor;
        long height = (header.height() + factor - 1) / factor;
        // the reader's raster plus our RGB copy
        long decodedBytes = width * height * (bytesPerPixel(opened.reader) + 3L);
        try (DecodeBudget.Lease lease = budget.acquire(decodedBytes)) {
            ImageReadParam param = opened.reader.getDefaultReadParam();
            if (factor > 1) {
                param.setSourceSubsampling(factor, factor, 0, 0);
            }
            return toRgb(opened.reader.read(0, param));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageRejectedException(
                    Reason.CORRUPT, "interrupted while waiting to decode " + header.format() + " image", e);
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(
                    Reason.CORRUPT, "cannot decode " + header.format() + " image: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            // a reader that allocates what a forged header declares; the budget bounds honest images
            throw new ImageRejectedException(
                    Reason.CORRUPT,
                    "cannot decode " + header.format() + " image: its decoder ran out of memory (" + e.getMessage()
                            + ")",
                    e);
        } catch (Error e) {
            throw new ImageRejectedException(Reason.CORRUPT, "cannot decode " + header.format() + " image: " + e, e);
        }
    }

    /** Bytes per pixel of the reader's own raster, bit depth included (a 16-bit RGBA PNG is 8). */
    private static int bytesPerPixel(ImageReader reader) {
        try {
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            if (types != null && types.hasNext()) {
                int bits = 0;
                for (int size : types.next().getSampleModel().getSampleSize()) {
                    bits += size;
                }
                return Math.max(1, (bits + 7) / 8);
            }
        } catch (IOException | RuntimeException e) {
            // the read that follows reports what is wrong with the image
        }
        return 8;
    }

    private Opened open(byte[] encoded) throws ImageRejectedException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY, "image is empty");
        }
        if (encoded.length > limits.maxBytes()) {
            throw new ImageRejectedException(
                    Reason.TOO_MANY_BYTES,
                    "image is " + encoded.length + " bytes; the limit is " + limits.maxBytes() + " bytes");
        }
        // not ImageIO.createImageInputStream: with ImageIO's default cache setting it copies every image into a
        // temporary file first, which costs most of a small JPEG's decode time
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
            throw new ImageRejectedException(
                    Reason.UNSUPPORTED_FORMAT, "not a supported image; accepted formats: JPEG, PNG, GIF, BMP");
        }
        reader.setInput(input, true, true);
        String format = formatOf(reader);
        if ("bmp".equals(format)) {
            requireBmpDataFits(encoded, reader, input);
        }
        try {
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            Header header = new Header(format, width, height);
            Opened opened = new Opened(reader, input, header);
            if (width <= 0 || height <= 0) {
                opened.close();
                throw new ImageRejectedException(Reason.CORRUPT, format + " header gives size " + width + "x" + height);
            }
            if (width > limits.maxSide() || height > limits.maxSide() || (long) width * height > limits.maxPixels()) {
                opened.close();
                throw new ImageRejectedException(
                        Reason.DIMENSIONS_TOO_LARGE,
                        String.format(
                                Locale.ROOT,
                                "%s image is %dx%d (%d pixels); limits are %d pixels per side and %d pixels in all",
                                format,
                                width,
                                height,
                                (long) width * height,
                                limits.maxSide(),
                                limits.maxPixels()));
            }
            return opened;
        } catch (IOException | RuntimeException | Error e) {
            reader.dispose();
            closeQuietly(input);
            throw new ImageRejectedException(Reason.CORRUPT, "cannot read " + format + " header: " + e.getMessage(), e);
        }
    }

    /**
     * The JDK's BMP reader allocates the pixel-data size the header declares before it reads a
     * byte of it: a declared size beyond the bytes the file holds is refused here, for free.
     */
    private static void requireBmpDataFits(byte[] encoded, ImageReader reader, ImageInputStream input)
            throws ImageRejectedException {
        // offset 34 is biSizeImage only in the 40-byte and later info headers
        if (encoded.length < 38 || littleEndianInt(encoded, 14) < 40) {
            return;
        }
        long dataOffset = littleEndianInt(encoded, 10) & 0xFFFFFFFFL;
        long declared = littleEndianInt(encoded, 34) & 0xFFFFFFFFL;
        if (declared > Math.max(0, encoded.length - dataOffset)) {
            reader.dispose();
            closeQuietly(input);
            throw new ImageRejectedException(
                    Reason.CORRUPT,
                    "bmp header declares " + declared + " bytes of pixel data at offset " + dataOffset
                            + " but the file has " + encoded.length + " bytes");
        }
    }

    private static int littleEndianInt(byte[] bytes, int at) {
        return (bytes[at] & 0xff)
                | (bytes[at + 1] & 0xff) << 8
                | (bytes[at + 2] & 0xff) << 16
                | (bytes[at + 3] & 0xff) << 24;
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
        boolean singleBandGray = raster.getNumBands() == 1
                && image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && raster.getSampleModel().getSampleSize(0) == 8;
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

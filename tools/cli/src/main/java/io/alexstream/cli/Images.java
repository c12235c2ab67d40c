package io.alexstream.cli;

import io.alexstream.engine.image.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes the engine's decoded images as files a producer would send. */
final class Images {

    private Images() {}

    /** The same picture with every sample inverted (255 - v), as a PNG: the drift scenario's shifted traffic. */
    static byte[] invertedPng(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(png));
            if (image == null) {
                throw new IllegalArgumentException("not an image ImageIO reads");
            }
            java.awt.image.WritableRaster raster = image.getRaster();
            int[] samples = raster.getPixels(0, 0, raster.getWidth(), raster.getHeight(), (int[]) null);
            for (int i = 0; i < samples.length; i++) {
                samples[i] = 255 - samples[i];
            }
            raster.setPixels(0, 0, raster.getWidth(), raster.getHeight(), samples);
            return write(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PNG; grayscale when the three channels agree everywhere (IDX data), RGB otherwise. */
    static byte[] png(RgbImage image) {
        byte[] rgb = image.rgb();
        boolean gray = true;
        for (int i = 0; i < rgb.length && gray; i += 3) {
            gray = rgb[i] == rgb[i + 1] && rgb[i] == rgb[i + 2];
        }
        BufferedImage buffered = new BufferedImage(
                image.width(), image.height(), gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (gray) {
            // the samples themselves: setRGB on a gray image converts from sRGB to its linear gray space, which turned
            // an IDX pixel of 7 into 1 and 126 into 53
            byte[] samples = ((DataBufferByte) buffered.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < samples.length; i++) {
                samples[i] = rgb[i * 3];
            }
        } else {
            for (int y = 0; y < image.height(); y++) {
                for (int x = 0; x < image.width(); x++) {
                    int at = (y * image.width() + x) * 3;
                    buffered.setRGB(
                            x, y, ((rgb[at] & 0xff) << 16) | ((rgb[at + 1] & 0xff) << 8) | (rgb[at + 2] & 0xff));
                }
            }
        }
        return write(buffered);
    }

    private static byte[] write(BufferedImage buffered) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // not ImageIO.write(image, format, OutputStream): with ImageIO's default cache setting that writes every image
        // through a temporary file (as the decoder's side did, see ImageDecoder)
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(buffered, "png", stream)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

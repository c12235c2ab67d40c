package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.contracts.ImageLimits;
import io.alexstream.engine.image.ImageDecoder;
import io.alexstream.engine.image.RgbImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier: plain unit. The PNGs `send` and `demo` publish hold exactly the pixels they were given. */
class ImagesTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

    @Test
    void pngKeepsEveryPixelOfGrayAndColourImages() throws Exception {
        byte[] gray = new byte[28 * 28];
        for (int i = 0; i < gray.length; i++) {
            gray[i] = (byte) (i * 7);
        }
        RgbImage grayImage = RgbImage.fromGray(28, 28, gray);
        assertThat(decoder.decode(Images.png(grayImage)).rgb()).isEqualTo(grayImage.rgb());

        byte[] rgb = new byte[5 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 11 + 3);
        }
        RgbImage colour = new RgbImage(5, 3, rgb);
        byte[] png = Images.png(colour);
        assertThat(decoder.verify(png)).isEqualTo(new ImageDecoder.Header("png", 5, 3));
        assertThat(decoder.decode(png).rgb()).isEqualTo(rgb);
    }

    /** With ImageIO's cache directory gone (a read-only root filesystem), encoding must not need it. */
    @Test
    void encodesInMemoryWithoutImageIosCacheDirectory(@TempDir Path dir) throws Exception {
        File cache = Files.createDirectory(dir.resolve("imageio-cache")).toFile();
        File previousDirectory = ImageIO.getCacheDirectory();
        boolean previousUse = ImageIO.getUseCache();
        ImageIO.setUseCache(true);
        ImageIO.setCacheDirectory(cache);
        Files.delete(cache.toPath());
        try {
            RgbImage image = RgbImage.fromGray(2, 2, new byte[] {0, 64, (byte) 128, (byte) 255});
            assertThat(Images.png(image)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        } finally {
            ImageIO.setCacheDirectory(previousDirectory);
            ImageIO.setUseCache(previousUse);
        }
    }

    @Test
    void invertedPngHoldsTwoFiftyFiveMinusEverySample() throws Exception {
        byte[] gray = new byte[28 * 28];
        for (int i = 0; i < gray.length; i++) {
            gray[i] = (byte) (i * 7);
        }
        byte[] inverted = decoder.decode(Images.invertedPng(Images.png(RgbImage.fromGray(28, 28, gray))))
                .rgb();
        for (int i = 0; i < gray.length; i++) {
            assertThat(inverted[i * 3] & 0xff).as("sample %d", i).isEqualTo(255 - (gray[i] & 0xff));
        }
    }
}

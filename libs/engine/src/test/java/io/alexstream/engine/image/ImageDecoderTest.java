package io.alexstream.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.contracts.ImageLimits;
import io.alexstream.engine.image.ImageRejectedException.Reason;
import io.alexstream.testing.images.HostileImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tier: plain unit. Real encoders (ImageIO) produce the inputs; hostile files are built byte by byte. */
class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as("writer for " + format).isTrue();
        return out.toByteArray();
    }

    static BufferedImage colourBlocks() {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, x < 20 ? 0xff0000 : 0x0000ff);
            }
        }
        return image;
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp", "gif", "jpeg"})
    void decodesEachFormatToRgb(String format) throws Exception {
        BufferedImage source = colourBlocks();
        if (format.equals("jpeg") || format.equals("bmp")) {
            BufferedImage rgb = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
            rgb.getGraphics().drawImage(source, 0, 0, null);
            source = rgb;
        }
        RgbImage image = decoder.decode(encode(source, format));
        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(30);
        int tolerance = format.equals("jpeg") ? 40 : 0;
        int[] left = pixel(image, 5, 15);
        int[] right = pixel(image, 35, 15);
        assertThat(left[0]).isCloseTo(255, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(left[2]).isCloseTo(0, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(right[0]).isCloseTo(0, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(right[2]).isCloseTo(255, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(decoder.readHeader(encode(source, format)).format()).isEqualTo(format);
    }

    /**
     * ImageIO's own streams copy each image into a file in its cache directory; a decoder that goes through them fails
     * where that directory is gone or not writable (a read-only root filesystem) and pays for a file per image.
     */
    @Test
    void decodesFromMemoryWithoutImageIosCacheDirectory(@TempDir Path dir) throws Exception {
        BufferedImage source = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        source.getGraphics().drawImage(colourBlocks(), 0, 0, null);
        byte[] jpeg = encode(source, "jpeg");
        byte[] png = encode(source, "png");
        File cache = Files.createDirectory(dir.resolve("imageio-cache")).toFile();
        File previousDirectory = ImageIO.getCacheDirectory();
        boolean previousUse = ImageIO.getUseCache();
        ImageIO.setUseCache(true);
        ImageIO.setCacheDirectory(cache);
        Files.delete(cache.toPath());
        try {
            assertThat(decoder.decode(jpeg).width()).isEqualTo(40);
            assertThat(decoder.verify(jpeg)).isEqualTo(new ImageDecoder.Header("jpeg", 40, 30));
            assertThat(decoder.decode(png).height()).isEqualTo(30);
            assertThat(decoder.verify(png)).isEqualTo(new ImageDecoder.Header("png", 40, 30));
        } finally {
            ImageIO.setCacheDirectory(previousDirectory);
            ImageIO.setUseCache(previousUse);
        }
    }

    @Test
    void grayscaleIsReplicatedToRgbWithoutGammaChange() throws Exception {
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(3, 4, 0, 100);
        RgbImage image = decoder.decode(encode(gray, "png"));
        assertThat(pixel(image, 3, 4)).containsExactly(100, 100, 100);
        assertThat(pixel(image, 0, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void refusesAFortyThousandSquarePngFromItsHeaderAlone() throws Exception {
        byte[] bomb = pngWithHeader(40_000, 40_000);
        assertThat(bomb.length).isLessThan(200);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();
        decoder.readHeader(pngWithHeader(10, 10));
        long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
        assertThatThrownBy(() -> decoder.decode(bomb))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.DIMENSIONS_TOO_LARGE))
                .hasMessageContaining("40000x40000")
                .hasMessageContaining("limits are");
        long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
        // a pixel buffer would be 4.8 GB; reading the header costs a few kilobytes
        assertThat(allocated).isLessThan(4L << 20);
    }

    @Test
    void aBmpDeclaringMorePixelDataThanItHoldsIsCorruptNotAnOutOfMemoryError() {
        assertThatThrownBy(() -> decoder.decode(HostileImages.bmpDeclaringHugeData()))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
                .hasMessageContaining("declares");
        assertThatThrownBy(() -> decoder.verify(HostileImages.bmpDeclaringHugeData()))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT));
    }

    @Test
    void aLarge16BitPngIsSubsampledWhileReadSoItsSamplesNeverFillTheHeap() throws Exception {
        byte[] png = HostileImages.png16BitRgb(6000);
        assertThat(png.length).isLessThan((int) ImageLimits.DEFAULT.maxBytes());
        // a budget far below the 288 MB that the full-resolution read would need
        DecodeBudget budget = new DecodeBudget(16L << 20);
        ImageDecoder bounded = new ImageDecoder(ImageLimits.DEFAULT, budget);
        RgbImage image = bounded.decode(png, 512);
        assertThat(image.width()).isEqualTo(546);
        assertThat(image.height()).isEqualTo(546);
        // the gradient survives: dark on the left, bright on the right
        assertThat(pixel(image, 2, 10)[0]).isLessThan(10);
        assertThat(pixel(image, 543, 10)[0]).isGreaterThan(245);
        assertThat(bounded.verify(png).width()).isEqualTo(6000);
        assertThat(budget.available()).isEqualTo(16L << 20);
    }

    @Test
    void decodesWaitForTheBudgetInsteadOfFailing() throws Exception {
        DecodeBudget budget = new DecodeBudget(1L << 20);
        ImageDecoder bounded = new ImageDecoder(ImageLimits.DEFAULT, budget);
        byte[] png = encode(colourBlocks(), "png");
        DecodeBudget.Lease held = budget.acquire(1L << 20);
        java.util.concurrent.CompletableFuture<RgbImage> waiting =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return bounded.decode(png);
                    } catch (ImageRejectedException e) {
                        throw new IllegalStateException(e);
                    }
                });
        Thread.sleep(200);
        assertThat(waiting).isNotDone();
        held.close();
        assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS).width())
                .isEqualTo(40);
    }

    @Test
    void refusesTruncatedImages() throws Exception {
        byte[] png = encode(colourBlocks(), "png");
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        assertThatThrownBy(() -> decoder.decode(truncated))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT));
    }

    @Test
    void refusesWhatIsNotAnImage() {
        assertThatThrownBy(() -> decoder.decode("hello, this is text".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT))
                .hasMessageContaining("JPEG, PNG, GIF, BMP");
        assertThatThrownBy(() -> decoder.decode(new byte[0]))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY));
    }

    @Test
    void refusesTooManyBytesBeforeParsing() throws Exception {
        ImageDecoder tight = new ImageDecoder(new ImageLimits(100, 1000, 1_000_000));
        byte[] png = encode(colourBlocks(), "png");
        assertThat(png.length).isGreaterThan(100);
        assertThatThrownBy(() -> tight.decode(png))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_BYTES))
                .hasMessageContaining("limit is 100 bytes");
    }

    private static int[] pixel(RgbImage image, int x, int y) {
        int p = (y * image.width() + x) * 3;
        return new int[] {image.rgb()[p] & 0xff, image.rgb()[p + 1] & 0xff, image.rgb()[p + 2] & 0xff};
    }

    /** A syntactically valid PNG whose IHDR claims the given size, with one tiny IDAT. */
    static byte[] pngWithHeader(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0});
        HostileImages.pngChunk(out, "IHDR", ihdr.toByteArray());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[64]);
        deflater.finish();
        byte[] compressed = new byte[128];
        int n = deflater.deflate(compressed);
        HostileImages.pngChunk(out, "IDAT", Arrays.copyOf(compressed, n));
        HostileImages.pngChunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }
}

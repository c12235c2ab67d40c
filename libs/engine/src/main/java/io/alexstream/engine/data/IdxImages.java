package io.alexstream.engine.data;

import io.alexstream.engine.image.RgbImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or not: an images file
 * (magic 0x803, 8-bit grayscale) and its labels file (magic 0x801).
 */
public final class IdxImages {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxImages() {}

    /** One grayscale image and its label. */
    public record LabeledImage(RgbImage image, int label) {}

    public static List<LabeledImage> read(Path images, Path labels, int limit) throws IOException {
        try (DataInputStream imageIn = open(images);
                DataInputStream labelIn = open(labels)) {
            int magic = imageIn.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(images + " is not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int count = imageIn.readInt();
            int rows = imageIn.readInt();
            int cols = imageIn.readInt();
            int labelMagic = labelIn.readInt();
            if (labelMagic != LABELS_MAGIC) {
                throw new IOException(
                        labels + " is not an IDX label file (magic " + Integer.toHexString(labelMagic) + ")");
            }
            int labelCount = labelIn.readInt();
            if (labelCount != count) {
                throw new IOException(
                        images + " has " + count + " images but " + labels + " has " + labelCount + " labels");
            }
            int n = Math.min(count, limit);
            List<LabeledImage> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] pixels = new byte[rows * cols];
                imageIn.readFully(pixels);
                out.add(new LabeledImage(RgbImage.fromGray(cols, rows, pixels), labelIn.readUnsignedByte()));
            }
            return out;
        }
    }

    /** Fashion-MNIST as Debian's dataset-fashion-mnist installs it. */
    public static List<LabeledImage> fashionMnist(Path directory, boolean train, int limit) throws IOException {
        String prefix = train ? "train" : "t10k";
        return read(
                find(directory, prefix + "-images-idx3-ubyte"), find(directory, prefix + "-labels-idx1-ubyte"), limit);
    }

    private static Path find(Path directory, String stem) throws IOException {
        for (String candidate : new String[] {stem + ".gz", stem}) {
            Path path = directory.resolve(candidate);
            if (Files.isRegularFile(path)) {
                return path;
            }
        }
        throw new IOException(
                "no " + stem + "[.gz] in " + directory + " (on Debian: apt-get install dataset-fashion-mnist)");
    }

    private static DataInputStream open(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        if (path.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        return new DataInputStream(raw);
    }
}

package io.alexstream.cli;

import io.alexstream.engine.data.IdxImages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The demo's images: Fashion-MNIST from Debian's package, or a generated stand-in of 10 shape classes (labelled as
 * such in the report) where it is not installed; chaos streams the same stand-in.
 */
final class DemoDatasets {

    private DemoDatasets() {}

    /** Fashion-MNIST from Debian's package, or a generated stand-in (labelled as such) when it is absent. */
    static Dataset load(Path dir, int trainCount, int testCount, PrintStream out) throws IOException {
        if (Files.isDirectory(dir)) {
            out.printf("dataset: Fashion-MNIST from %s%n", dir);
            return new Dataset(
                    "fashion-mnist",
                    samples("train", IdxImages.fashionMnist(dir, true, trainCount)),
                    samples("test", IdxImages.fashionMnist(dir, false, testCount)));
        }
        out.printf(
                "dataset: %s not found (sudo apt-get install dataset-fashion-mnist); "
                        + "using a GENERATED dataset of 10 shape classes instead%n",
                dir);
        return new Dataset("generated", generated("train", trainCount, 1), generated("test", testCount, 2));
    }

    private static List<Sample> samples(String prefix, List<IdxImages.LabeledImage> images) {
        List<Sample> samples = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            samples.add(null);
        }
        java.util.stream.IntStream.range(0, images.size())
                .parallel()
                .forEach(i -> samples.set(
                        i,
                        new Sample(
                                prefix + "-" + i,
                                images.get(i).label(),
                                Images.png(images.get(i).image()))));
        return samples;
    }

    /** 28 x 28 grayscale: class k is a bar at angle k x 18 degrees, with random position, thickness and noise. */
    static List<Sample> generated(String prefix, int count, long seed) {
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            byte[] gray = new byte[28 * 28];
            double angle = Math.toRadians(label * 18);
            double cx = 14 + random.nextGaussian() * 2;
            double cy = 14 + random.nextGaussian() * 2;
            double thickness = 1.5 + random.nextDouble() * 1.5;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double along = (x - cx) * Math.cos(angle) + (y - cy) * Math.sin(angle);
                    double across = -(x - cx) * Math.sin(angle) + (y - cy) * Math.cos(angle);
                    double value = Math.abs(across) < thickness && Math.abs(along) < 10 ? 220 : 20;
                    value += random.nextGaussian() * 20;
                    gray[y * 28 + x] = (byte) Math.max(0, Math.min(255, (int) value));
                }
            }
            samples.add(new Sample(
                    prefix + "-" + i, label, Images.png(io.alexstream.engine.image.RgbImage.fromGray(28, 28, gray))));
        }
        return samples;
    }
}

package io.alexstream.cli;

import io.alexstream.engine.data.IdxImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code send PATH... [--bootstrap localhost:9092] [--label L] [--limit N]}: publishes image
 * files, folders and IDX files to Kafka with an idempotent {@code acks=all} producer. A file
 * or a flat folder goes to {@code images} (or {@code images.labeled} with {@code --label}); a
 * folder of class sub-folders (ImageNet's layout) is labeled by sub-folder name; an IDX images
 * file ({@code *-images-idx3-ubyte[.gz]}) with its labels file beside it is labeled.
 */
final class SendCommand {

    static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png", ".gif", ".bmp");

    private SendCommand() {}

    static int run(Arguments arguments) throws Exception {
        if (arguments.positional().isEmpty()) {
            System.err.println("usage: alexstream send PATH... [--bootstrap localhost:9092] [--label L] [--limit N]");
            return 2;
        }
        int limit = arguments.getInt("limit", Integer.MAX_VALUE);
        String label = arguments.options().get("label");
        List<KafkaImageSender.Item> items = new ArrayList<>();
        for (String arg : arguments.positional()) {
            collect(Path.of(arg), label, items, limit);
        }
        if (items.isEmpty()) {
            System.err.println("alexstream send: no images found in " + arguments.positional());
            return 1;
        }
        long t0 = System.nanoTime();
        long[] counts = KafkaImageSender.send(arguments.get("bootstrap", "localhost:9092"), items, "send");
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "sent %d images (%d labeled, %d unlabeled), %.1f MB, in %.1f s; %d failed%n",
                counts[0] + counts[1],
                counts[1],
                counts[0],
                counts[2] / 1e6,
                seconds,
                counts[3]);
        return counts[3] == 0 ? 0 : 1;
    }

    static void collect(Path path, String label, List<KafkaImageSender.Item> into, int limit) throws IOException {
        String name = path.getFileName().toString();
        if (Files.isDirectory(path)) {
            List<Path> children;
            try (Stream<Path> list = Files.list(path)) {
                children = list.sorted().toList();
            }
            boolean classFolders = children.stream().anyMatch(Files::isDirectory);
            for (Path child : children) {
                if (into.size() >= limit) {
                    return;
                }
                if (Files.isDirectory(child)) {
                    collect(child, label != null ? label : child.getFileName().toString(), into, limit);
                } else if (!classFolders && isImage(child)) {
                    into.add(file(child, label));
                }
            }
        } else if (name.contains("-images-idx3-ubyte")) {
            Path labels = path.resolveSibling(name.replace("-images-idx3-ubyte", "-labels-idx1-ubyte"));
            String stem = name.replace(".gz", "");
            for (IdxImages.LabeledImage image : IdxImages.read(path, labels, limit - into.size())) {
                into.add(new KafkaImageSender.Item(
                        stem + "-" + into.size() + "-"
                                + UUID.randomUUID().toString().substring(0, 8),
                        Images.png(image.image()),
                        "image/png",
                        Integer.toString(image.label())));
            }
        } else if (Files.isRegularFile(path)) {
            into.add(file(path, label));
        } else {
            throw new IOException("no such file or folder: " + path);
        }
    }

    private static boolean isImage(Path file) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_SUFFIXES.stream().anyMatch(lower::endsWith);
    }

    private static KafkaImageSender.Item file(Path file, String label) throws IOException {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = lower.endsWith(".png")
                ? "image/png"
                : lower.endsWith(".gif")
                        ? "image/gif"
                        : lower.endsWith(".bmp")
                                ? "image/bmp"
                                : lower.endsWith(".jpg") || lower.endsWith(".jpeg")
                                        ? "image/jpeg"
                                        : "application/octet-stream";
        return new KafkaImageSender.Item(UUID.randomUUID().toString(), Files.readAllBytes(file), type, label);
    }
}

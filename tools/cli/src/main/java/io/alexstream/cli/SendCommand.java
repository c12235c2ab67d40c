package io.alexstream.cli;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.engine.data.IdxImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code send PATH... [--bootstrap localhost:9092] [--label L] [--limit N]}: publishes image
 * files, folders and IDX files to Kafka with an idempotent {@code acks=all} producer. A file
 * or a flat folder goes to {@code images} (or {@code images.labeled} with {@code --label}); a
 * folder of class sub-folders (ImageNet's layout) is labeled by sub-folder name; an IDX images
 * file ({@code *-images-idx3-ubyte[.gz]}) with its labels file beside it is labeled.
 */
final class SendCommand {

    static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png", ".gif", ".bmp");

    /** One record to publish. */
    record Item(String id, byte[] bytes, String contentType, String label) {
    }

    private SendCommand() {
    }

    static int run(Arguments arguments) throws Exception {
        if (arguments.positional().isEmpty()) {
            System.err.println("usage: alexstream send PATH... [--bootstrap localhost:9092] [--label L] [--limit N]");
            return 2;
        }
        int limit = arguments.getInt("limit", Integer.MAX_VALUE);
        String label = arguments.options().get("label");
        List<Item> items = new ArrayList<>();
        for (String arg : arguments.positional()) {
            collect(Path.of(arg), label, items, limit);
        }
        if (items.isEmpty()) {
            System.err.println("alexstream send: no images found in " + arguments.positional());
            return 1;
        }
        long t0 = System.nanoTime();
        long[] counts = send(arguments.get("bootstrap", "localhost:9092"), items, "send");
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "sent %d images (%d labeled, %d unlabeled), %.1f MB, in %.1f s; %d failed%n",
                counts[0] + counts[1], counts[1], counts[0], counts[2] / 1e6, seconds, counts[3]);
        return counts[3] == 0 ? 0 : 1;
    }

    static void collect(Path path, String label, List<Item> into, int limit) throws IOException {
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
                into.add(new Item(stem + "-" + into.size() + "-" + UUID.randomUUID().toString().substring(0, 8),
                        Images.png(image.image()), "image/png", Integer.toString(image.label())));
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

    private static Item file(Path file, String label) throws IOException {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = lower.endsWith(".png") ? "image/png" : lower.endsWith(".gif") ? "image/gif"
                : lower.endsWith(".bmp") ? "image/bmp" : lower.endsWith(".jpg") || lower.endsWith(".jpeg") ? "image/jpeg"
                : "application/octet-stream";
        return new Item(UUID.randomUUID().toString(), Files.readAllBytes(file), type, label);
    }

    /** Publishes and waits for every acknowledgement; returns {unlabeled, labeled, bytes, failed}. */
    static long[] send(String bootstrap, List<Item> items, String what) throws InterruptedException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 20 << 20);
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long labeled = 0;
        long bytes = 0;
        Progress progress = new Progress(System.err, what, items.size());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (Item item : items) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(item.label() == null ? Topics.IMAGES : Topics.LABELED,
                        item.id(), item.bytes());
                record.headers().add(Headers.IMAGE_ID, item.id().getBytes(StandardCharsets.UTF_8));
                record.headers().add(Headers.CONTENT_TYPE, item.contentType().getBytes(StandardCharsets.UTF_8));
                record.headers().add("source", "alexstream-send".getBytes(StandardCharsets.UTF_8));
                if (item.label() != null) {
                    record.headers().add(Headers.LABEL, item.label().getBytes(StandardCharsets.UTF_8));
                    labeled++;
                }
                bytes += item.bytes().length;
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                    } else {
                        acknowledged.incrementAndGet();
                    }
                });
                progress.update(acknowledged.get());
            }
            producer.flush();
            progress.update(acknowledged.get() + failed.get());
        }
        return new long[] {items.size() - labeled, labeled, bytes, failed.get()};
    }
}

package io.alexstream.bench;

import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import io.alexstream.kafka.EmbeddedKafka;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The images the bench sends: one photo-sized JPEG for the Kafka path and gRPC, and the trainer round's labeled
 * JPEGs (seeded, so every run trains on the same), produced straight to the labeled topic.
 */
final class BenchImages {

    /** A labeled image as the bench produces it to the labeled topic. */
    record LabeledImage(byte[] jpeg, int label) {}

    private BenchImages() {}

    /** A photo-sized JPEG with some structure (gradients and a disc), as a camera would send. */
    static byte[] photo(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean disc = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2) < 80 * 80;
                int r = disc ? 220 : x * 255 / width;
                int g = disc ? 40 : y * 255 / height;
                image.setRGB(x, y, (r << 16) | (g << 8) | 128);
            }
        }
        return jpeg(image);
    }

    /** The labeled images of the trainer's round, encoded before anything is timed (1,024 JPEGs take seconds). */
    static List<LabeledImage> labeled(TrainerRun run) throws IOException {
        Random random = new Random(7);
        List<LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < run.labeledImages(); i++) {
            images.add(new LabeledImage(noisyJpeg(random, 256, 256), random.nextInt(run.classes())));
        }
        return images;
    }

    static void produceLabeled(EmbeddedKafka kafka, List<LabeledImage> images) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer =
                new KafkaProducer<String, byte[]>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < images.size(); i++) {
                var record = new ProducerRecord<String, byte[]>(
                        Topics.LABELED, "bench-" + i, images.get(i).jpeg());
                record.headers()
                        .add(
                                Headers.LABEL,
                                Integer.toString(images.get(i).label()).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static byte[] noisyJpeg(Random random, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int base = random.nextInt(0xffffff);
        for (int y = 0; y < height; y += 4) {
            for (int x = 0; x < width; x += 4) {
                int rgb = base ^ random.nextInt(0x202020);
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        image.setRGB(x + dx, y + dy, rgb);
                    }
                }
            }
        }
        return jpeg(image);
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}

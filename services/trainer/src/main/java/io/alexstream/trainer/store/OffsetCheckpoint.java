package io.alexstream.trainer.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Per partition of the labeled topic, the offset after the last stored record, in
 * {@code offsets.properties} beside the segments. Replaced whole (written aside, then renamed
 * over), so a crash leaves the old checkpoint or the new one, never half of one. Lineage only:
 * the segments themselves say what is stored, and loading them moves these offsets on.
 */
final class OffsetCheckpoint {

    private static final String FILE = "offsets.properties";

    private final Path dir;

    OffsetCheckpoint(Path dir) {
        this.dir = dir;
    }

    /** The offsets last written, by partition; empty when there is no checkpoint yet. */
    Map<Integer, Long> read() throws IOException {
        Map<Integer, Long> offsets = new TreeMap<>();
        Path file = dir.resolve(FILE);
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
            properties.forEach((k, v) -> offsets.put(Integer.parseInt((String) k), Long.parseLong((String) v)));
        }
        return offsets;
    }

    void write(Map<Integer, Long> offsets) throws IOException {
        Properties properties = new Properties();
        offsets.forEach((p, o) -> properties.setProperty(Integer.toString(p), Long.toString(o)));
        Path staged = dir.resolve(FILE + ".staged");
        try (OutputStream out = Files.newOutputStream(staged)) {
            properties.store(out, "offset after the last stored record, per partition of the labeled topic");
        }
        Files.move(staged, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

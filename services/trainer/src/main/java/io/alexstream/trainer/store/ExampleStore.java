package io.alexstream.trainer.store;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The labeled examples, durably on disk: append-only segment files of length-prefixed records,
 * fsynced before {@link #append} returns, and a checkpoint of the next offset per partition.
 * The consumer commits its Kafka offsets only after {@code append}, so a crash loses nothing,
 * and records read again after a crash are recognised by their offsets and skipped.
 * Bounded: past {@code maxBytes} the oldest segments are deleted (the newest data is kept).
 */
public final class ExampleStore {

    private static final Logger LOG = Logger.getLogger(ExampleStore.class);
    private static final int RECORD_MAGIC = 0xA1E75701;
    private static final String CHECKPOINT = "offsets.properties";

    private record Segment(Path file, List<StoredExample> examples, long bytes) {
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final List<Segment> segments = new ArrayList<>();
    private final Map<Integer, Long> nextOffsets = new TreeMap<>();
    private FileChannel current;
    private long currentBytes;
    private List<StoredExample> currentExamples;
    private Path currentFile;
    private long totalBytes;
    private long evicted;

    private ExampleStore(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(1 << 20, maxBytes / 8);
    }

    /** Opens (or creates) the store in {@code dir}, reading back every complete record. */
    public static ExampleStore open(Path dir, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        ExampleStore store = new ExampleStore(dir, maxBytes);
        store.load();
        return store;
    }

    private void load() throws IOException {
        Path checkpoint = dir.resolve(CHECKPOINT);
        if (Files.isRegularFile(checkpoint)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(checkpoint)) {
                properties.load(in);
            }
            properties.forEach((k, v) -> nextOffsets.put(Integer.parseInt((String) k), Long.parseLong((String) v)));
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
        for (Path file : files) {
            List<StoredExample> examples = new ArrayList<>();
            long valid = readSegment(file, examples);
            if (valid < Files.size(file)) {
                // a record cut short by a crash: it was never acknowledged, Kafka will deliver it again
                LOG.warnf("%s: dropping %d bytes of an incomplete record", file, Files.size(file) - valid);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(valid);
                }
            }
            for (StoredExample example : examples) {
                nextOffsets.merge(example.partition(), example.offset() + 1, Math::max);
            }
            segments.add(new Segment(file, examples, valid));
            totalBytes += valid;
        }
        if (!segments.isEmpty()) {
            Segment last = segments.remove(segments.size() - 1);
            totalBytes -= last.bytes();
            reopen(last.file(), new ArrayList<>(last.examples()), last.bytes());
        }
    }

    private static long readSegment(Path file, List<StoredExample> into) throws IOException {
        long valid = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (true) {
                try {
                    int magic = in.readInt();
                    if (magic != RECORD_MAGIC) {
                        return valid;
                    }
                    int length = in.readInt();
                    byte[] body = in.readNBytes(length);
                    if (body.length != length) {
                        return valid;
                    }
                    into.add(decode(body));
                    valid += 8 + length;
                } catch (EOFException end) {
                    return valid;
                }
            }
        }
    }

    /**
     * Stores what is new (offsets at or past the partition's next offset) and forces it to
     * disk before returning.
     *
     * @return the examples that were new
     */
    public synchronized List<StoredExample> append(List<StoredExample> examples) throws IOException {
        List<StoredExample> fresh = new ArrayList<>();
        for (StoredExample example : examples) {
            if (example.offset() >= nextOffsets.getOrDefault(example.partition(), 0L)) {
                fresh.add(example);
                nextOffsets.put(example.partition(), example.offset() + 1);
            }
        }
        if (fresh.isEmpty()) {
            return fresh;
        }
        if (current == null || currentBytes >= segmentBytes) {
            roll();
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        for (StoredExample example : fresh) {
            byte[] body = encode(example);
            out.writeInt(RECORD_MAGIC);
            out.writeInt(body.length);
            out.write(body);
        }
        ByteBuffer bytes = ByteBuffer.wrap(buffer.toByteArray());
        while (bytes.hasRemaining()) {
            current.write(bytes);
        }
        current.force(false);
        currentBytes += buffer.size();
        currentExamples.addAll(fresh);
        writeCheckpoint();
        evictOldest();
        return fresh;
    }

    private void roll() throws IOException {
        if (current != null) {
            current.close();
            segments.add(new Segment(currentFile, currentExamples, currentBytes));
            totalBytes += currentBytes;
        }
        long next = segments.isEmpty() ? 1 : sequence(segments.get(segments.size() - 1).file()) + 1;
        reopen(dir.resolve(String.format("segment-%09d.dat", next)), new ArrayList<>(), 0);
    }

    private void reopen(Path file, List<StoredExample> examples, long bytes) throws IOException {
        current = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentFile = file;
        currentExamples = examples;
        currentBytes = bytes;
    }

    private static long sequence(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring("segment-".length(), name.indexOf('.')));
    }

    private void evictOldest() throws IOException {
        while (!segments.isEmpty() && totalBytes + currentBytes > maxBytes) {
            Segment oldest = segments.remove(0);
            Files.deleteIfExists(oldest.file());
            totalBytes -= oldest.bytes();
            evicted += oldest.examples().size();
            LOG.infof("store over %d bytes: dropped %s (%d examples)", maxBytes, oldest.file().getFileName(), oldest.examples().size());
        }
    }

    private void writeCheckpoint() throws IOException {
        Properties properties = new Properties();
        nextOffsets.forEach((p, o) -> properties.setProperty(Integer.toString(p), Long.toString(o)));
        Path staged = dir.resolve(CHECKPOINT + ".staged");
        try (var out = Files.newOutputStream(staged)) {
            properties.store(out, "next offset per partition of the labeled topic");
        }
        Files.move(staged, dir.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every stored example, oldest first. */
    public synchronized List<StoredExample> examples() {
        List<StoredExample> all = new ArrayList<>();
        segments.forEach(s -> all.addAll(s.examples()));
        if (currentExamples != null) {
            all.addAll(currentExamples);
        }
        return Collections.unmodifiableList(all);
    }

    public synchronized int size() {
        return segments.stream().mapToInt(s -> s.examples().size()).sum() + (currentExamples == null ? 0 : currentExamples.size());
    }

    public synchronized long bytes() {
        return totalBytes + currentBytes;
    }

    /** Examples dropped because the store was full. */
    public synchronized long evicted() {
        return evicted;
    }

    public synchronized Map<Integer, Long> nextOffsets() {
        return Map.copyOf(nextOffsets);
    }

    public synchronized void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    private static byte[] encode(StoredExample example) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(example.encoded().length + 64);
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeInt(example.partition());
        out.writeLong(example.offset());
        out.writeInt(example.label());
        out.writeBoolean(example.holdout());
        out.writeUTF(example.imageId());
        out.writeInt(example.encoded().length);
        out.write(example.encoded());
        return buffer.toByteArray();
    }

    private static StoredExample decode(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
        int partition = in.readInt();
        long offset = in.readLong();
        int label = in.readInt();
        boolean holdout = in.readBoolean();
        String id = in.readUTF();
        byte[] encoded = in.readNBytes(in.readInt());
        return new StoredExample(id, label, partition, offset, holdout, encoded);
    }
}

package io.alexstream.trainer.store;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The labeled examples, durably on disk: append-only segment files of length-prefixed records,
 * fsynced before {@link #append} returns, and a checkpoint of the offset after the last stored
 * record per partition ({@link OffsetCheckpoint}: lineage for the status page). The consumer commits its Kafka
 * offsets only after {@code append}, so a crash loses nothing. An example is the same as a stored one when its
 * image id and bytes are ({@link Fingerprint}): records read again after a crash are skipped and
 * counted, while a recreated topic (offsets from 0 again, other images) is stored. Any image id and
 * any bytes fit the record format ({@link RecordCodec}). Bounded: past {@code maxBytes} the oldest
 * segments are deleted (the newest data is kept), and their fingerprints with them.
 */
public final class ExampleStore {

    private static final Logger LOG = Logger.getLogger(ExampleStore.class);
    /** Longest id quoted in a log line: ids have no length limit here. */
    private static final int LOGGED_ID_CHARS = 128;

    private record Segment(Path file, List<StoredExample> examples, List<Fingerprint> fingerprints, long bytes) {}

    private final Path dir;
    private final OffsetCheckpoint checkpoint;
    private final long maxBytes;
    private final long segmentBytes;
    private final Consumer<List<StoredExample>> onEvicted;
    private final List<Segment> segments = new ArrayList<>();
    private final Map<Integer, Long> nextOffsets = new TreeMap<>();
    /** How many stored records have each fingerprint: old segments may hold the same example twice. */
    private final Map<Fingerprint, Integer> stored = new HashMap<>();

    private FileChannel current;
    private long currentBytes;
    private List<StoredExample> currentExamples;
    private List<Fingerprint> currentFingerprints;
    private Path currentFile;
    private long totalBytes;
    private long evicted;
    private long duplicates;

    private ExampleStore(Path dir, long maxBytes, Consumer<List<StoredExample>> onEvicted) {
        this.dir = dir;
        this.checkpoint = new OffsetCheckpoint(dir);
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(1 << 20, maxBytes / 8);
        this.onEvicted = onEvicted;
    }

    /** Opens (or creates) the store in {@code dir}, reading back every complete record. */
    public static ExampleStore open(Path dir, long maxBytes) throws IOException {
        return open(dir, maxBytes, evicted -> {});
    }

    /**
     * Opens (or creates) the store in {@code dir}; {@code onEvicted} hears of the examples of every
     * segment deleted for the size bound (inside {@link #append}), so caches of them can let go.
     */
    public static ExampleStore open(Path dir, long maxBytes, Consumer<List<StoredExample>> onEvicted)
            throws IOException {
        Files.createDirectories(dir);
        ExampleStore store = new ExampleStore(dir, maxBytes, onEvicted);
        store.load();
        return store;
    }

    private void load() throws IOException {
        nextOffsets.putAll(checkpoint.read());
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("segment-"))
                    .sorted()
                    .toList();
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
            List<Fingerprint> fingerprints = new ArrayList<>(examples.size());
            for (StoredExample example : examples) {
                // file order is arrival order: the last record of a partition says where intake stood
                nextOffsets.put(example.partition(), example.offset() + 1);
                Fingerprint fingerprint = Fingerprint.of(example);
                fingerprints.add(fingerprint);
                stored.merge(fingerprint, 1, Integer::sum);
            }
            segments.add(new Segment(file, examples, fingerprints, valid));
            totalBytes += valid;
        }
        if (!segments.isEmpty()) {
            Segment last = segments.remove(segments.size() - 1);
            totalBytes -= last.bytes();
            reopen(last.file(), new ArrayList<>(last.examples()), new ArrayList<>(last.fingerprints()), last.bytes());
        }
    }

    /** Reads records up to the first one that is not whole (a torn write) or not known; returns the bytes read. */
    private static long readSegment(Path file, List<StoredExample> into) throws IOException {
        long valid = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (true) {
                try {
                    int magic = in.readInt();
                    int length = in.readInt();
                    if (!RecordCodec.isKnown(magic) || length < 0) {
                        return valid;
                    }
                    byte[] body = in.readNBytes(length);
                    if (body.length != length) {
                        return valid;
                    }
                    into.add(RecordCodec.decode(magic, body));
                    valid += 8 + length;
                } catch (EOFException end) {
                    return valid;
                } catch (IOException damaged) {
                    LOG.warnf(
                            "%s: a record at byte %d does not decode (%s); reading stops there",
                            file, valid, damaged.getMessage());
                    return valid;
                }
            }
        }
    }

    /**
     * Stores what is new (an image id and bytes not stored yet) and forces it to disk before
     * returning. The rest were stored before (a redelivery, or the same image produced twice):
     * skipped, counted in {@link #duplicates()} and logged once per call.
     *
     * @return the examples that were new
     */
    public synchronized List<StoredExample> append(List<StoredExample> examples) throws IOException {
        List<StoredExample> fresh = new ArrayList<>();
        List<Fingerprint> freshFingerprints = new ArrayList<>();
        Set<Fingerprint> inThisCall = new HashSet<>();
        StoredExample firstDuplicate = null;
        for (StoredExample example : examples) {
            Fingerprint fingerprint = Fingerprint.of(example);
            if (!stored.containsKey(fingerprint) && inThisCall.add(fingerprint)) {
                fresh.add(example);
                freshFingerprints.add(fingerprint);
            } else if (firstDuplicate == null) {
                firstDuplicate = example;
            }
        }
        if (firstDuplicate != null) {
            int skipped = examples.size() - fresh.size();
            duplicates += skipped;
            LOG.warnf(
                    "%d of %d labeled records skipped: their image id and bytes are stored already"
                            + " (read again after a restart,"
                            + " or produced twice), e.g. %s at %d@%d",
                    skipped,
                    examples.size(),
                    abbreviated(firstDuplicate.imageId()),
                    firstDuplicate.partition(),
                    firstDuplicate.offset());
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
            byte[] body = RecordCodec.encode(example);
            out.writeInt(RecordCodec.MAGIC_SIZED_ID);
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
        currentFingerprints.addAll(freshFingerprints);
        freshFingerprints.forEach(f -> stored.merge(f, 1, Integer::sum));
        fresh.forEach(e -> nextOffsets.put(e.partition(), e.offset() + 1));
        checkpoint.write(nextOffsets);
        evictOldest();
        return fresh;
    }

    private static String abbreviated(String id) {
        return id.length() <= LOGGED_ID_CHARS
                ? id
                : id.substring(0, LOGGED_ID_CHARS) + "... (" + id.length() + " chars)";
    }

    private void roll() throws IOException {
        if (current != null) {
            current.close();
            segments.add(new Segment(currentFile, currentExamples, currentFingerprints, currentBytes));
            totalBytes += currentBytes;
        }
        long next = segments.isEmpty()
                ? 1
                : sequence(segments.get(segments.size() - 1).file()) + 1;
        reopen(dir.resolve(String.format("segment-%09d.dat", next)), new ArrayList<>(), new ArrayList<>(), 0);
    }

    private void reopen(Path file, List<StoredExample> examples, List<Fingerprint> fingerprints, long bytes)
            throws IOException {
        current =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentFile = file;
        currentExamples = examples;
        currentFingerprints = fingerprints;
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
            oldest.fingerprints().forEach(f -> stored.computeIfPresent(f, (k, n) -> n > 1 ? n - 1 : null));
            onEvicted.accept(oldest.examples());
            LOG.infof(
                    "store over %d bytes: dropped %s (%d examples)",
                    maxBytes, oldest.file().getFileName(), oldest.examples().size());
        }
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
        return segments.stream().mapToInt(s -> s.examples().size()).sum()
                + (currentExamples == null ? 0 : currentExamples.size());
    }

    public synchronized long bytes() {
        return totalBytes + currentBytes;
    }

    /** Examples dropped because the store was full. */
    public synchronized long evicted() {
        return evicted;
    }

    /** Examples skipped by {@link #append} since the store was opened: their image id and bytes were stored already. */
    public synchronized long duplicates() {
        return duplicates;
    }

    /** Per partition, the offset after the last record stored from it (it goes back when the topic was recreated). */
    public synchronized Map<Integer, Long> nextOffsets() {
        return Map.copyOf(nextOffsets);
    }

    public synchronized void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}

package io.alexstream.trainer.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.TrainerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Every promoted version as a weights artifact ({@code v000001.alxw}, ...) and a pointer to
 * the one that should be served. Version numbers only go up; a rollback moves the pointer
 * back to an existing version and never rewrites one. One instance per data directory: the
 * rounds that promote, the rollout that rolls back, and the registry and status page that read
 * all share it, so they agree on the current version. A version the trainer rolled back by itself
 * also has its reason beside it ({@code v000002.rollback.json}, a {@link RollbackRecord}).
 */
@Singleton
public class VersionStore {

    private static final Logger LOG = Logger.getLogger(VersionStore.class);
    private static final String CURRENT = "current";
    private static final String CANARY = "canary";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<WeightsMetadata> versions = new ArrayList<>();
    private final Map<Long, RollbackRecord> rollbacks = new TreeMap<>();
    private long current;
    private Canary canary;

    /** Opens (or creates) the store under {@code <data-dir>/versions}, reading every version's metadata. */
    @Inject
    public VersionStore(TrainerConfig config) {
        this.dir = Path.of(config.dataDir()).resolve("versions");
        try {
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the versions under " + config.dataDir(), e);
        }
    }

    private void load() throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("v\\d+\\.alxw"))
                    .sorted()
                    .toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    versions.add(WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES)
                            .metadata());
                } catch (WeightsFormatException e) {
                    throw new IOException("version file " + file + " is damaged: " + e.getMessage(), e);
                }
            }
        }
        versions.sort(Comparator.comparingLong(WeightsMetadata::version));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("v\\d+\\.rollback\\.json"))
                    .toList()) {
                try {
                    RollbackRecord reason = JSON.readValue(file.toFile(), RollbackRecord.class);
                    rollbacks.put(reason.version(), reason);
                } catch (IOException e) {
                    // an explanation, not a version: losing it must not keep the trainer from starting
                    LOG.warnf("rollback reason %s is unreadable, left out: %s", file, e.getMessage());
                }
            }
        }
        Path pointer = dir.resolve(CURRENT);
        current = Files.isRegularFile(pointer)
                ? Long.parseLong(Files.readString(pointer).trim())
                : versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
        Path canaryFile = dir.resolve(CANARY);
        if (Files.isRegularFile(canaryFile)) {
            try {
                Canary read = Canary.parse(Files.readString(canaryFile));
                // a canary only means something while its version is still the current one
                canary = read.version() == current ? read : null;
            } catch (IllegalArgumentException e) {
                LOG.warnf("canary file %s is unreadable, ignored: %s", canaryFile, e.getMessage());
            }
        }
    }

    /** Records that {@code version} passed its canary, and why ({@code v000002.canary-passed}), before it goes out. */
    public synchronized void canaryPassed(long version, String why) throws IOException {
        Path target = dir.resolve(String.format("v%06d.canary-passed", version));
        Path staged = dir.resolve(target.getFileName() + ".staged");
        Files.writeString(staged, why);
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether {@code version} passed a canary: compared side by side with the version before it, on live labels. */
    public synchronized boolean canaryPassed(long version) {
        return Files.isRegularFile(dir.resolve(String.format("v%06d.canary-passed", version)));
    }

    /** The canary last started and not ended; it is in progress only while its version is the current one. */
    public synchronized Optional<Canary> canary() {
        return Optional.ofNullable(canary);
    }

    /** Starts ({@code next} present) or ends a canary, written before the workers hear of it. */
    public synchronized void canary(Optional<Canary> next) throws IOException {
        Path file = dir.resolve(CANARY);
        if (next.isEmpty()) {
            Files.deleteIfExists(file);
            canary = null;
            return;
        }
        Path staged = dir.resolve(CANARY + ".staged");
        Files.writeString(staged, next.get().line());
        Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        canary = next.get();
    }

    /** The version to serve, 0 before the first promotion. */
    public synchronized long current() {
        return current;
    }

    /** The highest version ever promoted; the next one is this plus one. */
    public synchronized long latest() {
        return versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
    }

    public synchronized List<WeightsMetadata> versions() {
        return List.copyOf(versions);
    }

    public synchronized Optional<WeightsMetadata> metadata(long version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /** Writes the artifact (fsynced, then renamed into place) and makes it current. */
    public synchronized void promote(ModelWeights weights) throws IOException {
        long version = weights.metadata().version();
        if (version <= latest()) {
            throw new IllegalArgumentException("version " + version + " is not above the latest " + latest());
        }
        Path target = file(version);
        Path staged = dir.resolve(target.getFileName() + ".staged");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(staged), 1 << 20)) {
            WeightsCodec.write(weights, out);
        }
        try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        versions.add(weights.metadata());
        point(version);
    }

    /** Points back at an earlier version (the explicit rollback). */
    public synchronized void rollBackTo(long version) throws IOException {
        if (metadata(version).isEmpty()) {
            throw new IllegalArgumentException("there is no version " + version);
        }
        if (version >= current) {
            throw new IllegalArgumentException(
                    "version " + version + " is not older than the current version " + current);
        }
        point(version);
    }

    /** Records why {@code reason.version()} was rolled back (written whole, then renamed into place). */
    public synchronized void recordRollback(RollbackRecord reason) throws IOException {
        Path target = dir.resolve(String.format("v%06d.rollback.json", reason.version()));
        Path staged = dir.resolve(target.getFileName() + ".staged");
        Files.write(staged, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(reason));
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        rollbacks.put(reason.version(), reason);
    }

    /** Why the trainer rolled {@code version} back by itself, if it did. */
    public synchronized Optional<RollbackRecord> rollback(long version) {
        return Optional.ofNullable(rollbacks.get(version));
    }

    /** Every recorded automatic rollback, by version. */
    public synchronized List<RollbackRecord> rollbacks() {
        return List.copyOf(rollbacks.values());
    }

    private void point(long version) throws IOException {
        Path staged = dir.resolve(CURRENT + ".staged");
        Files.writeString(staged, Long.toString(version));
        Files.move(staged, dir.resolve(CURRENT), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        current = version;
    }

    public Path file(long version) {
        return dir.resolve(String.format("v%06d.alxw", version));
    }

    public ModelWeights load(long version) throws IOException {
        try (InputStream in = Files.newInputStream(file(version))) {
            return WeightsCodec.read(in, WeightsCodec.DEFAULT_MAX_BYTES);
        } catch (WeightsFormatException e) {
            throw new IOException("version " + version + " is damaged: " + e.getMessage(), e);
        }
    }
}

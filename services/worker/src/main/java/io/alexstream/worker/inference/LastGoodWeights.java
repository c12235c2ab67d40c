package io.alexstream.worker.inference;

import com.google.protobuf.ByteString;
import io.alexstream.worker.config.WorkerConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The file {@code <state-dir>/<worker-id>-last-good.alxw}: the last artifact this worker
 * activated, reloaded after a restart. Writes go through one thread, off the activation's
 * critical path, in the order the versions were activated, and replace the file atomically, so
 * a crash mid-write leaves the previous good artifact in place.
 */
@ApplicationScoped
public class LastGoodWeights {

    private static final Logger LOG = Logger.getLogger(LastGoodWeights.class);

    private final WorkerConfig config;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "last-good-writer");
        thread.setDaemon(true);
        return thread;
    });

    public LastGoodWeights(WorkerConfig config) {
        this.config = config;
    }

    /** The kept artifact, when there is one. */
    public Optional<Path> existing() {
        Path file = file();
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Keeps {@code artifact}, the encoding of {@code version}, once the writes queued before it are done. */
    public void keep(ByteString artifact, long version) {
        writer.execute(() -> write(artifact, version));
    }

    void onStop(@Observes ShutdownEvent event) {
        writer.shutdown();
        try {
            writer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(ByteString artifact, long version) {
        Path target = file();
        long started = System.nanoTime();
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path staged = target.resolveSibling(target.getFileName() + ".staged");
            try (var out = Files.newOutputStream(staged)) {
                artifact.writeTo(out);
            }
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.debugf(
                    "worker %s kept its last good weights at %s in %.2f s",
                    config.id(), target, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            LOG.warnf(
                    "worker %s serves version %d but could not keep it at %s: %s",
                    config.id(), version, target, e.getMessage());
        }
    }

    private Path file() {
        return Path.of(config.stateDir()).resolve(config.id() + "-last-good.alxw");
    }
}

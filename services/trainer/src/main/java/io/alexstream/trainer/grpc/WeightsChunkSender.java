package io.alexstream.trainer.grpc;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.VersionStore;
import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place that puts a stored version on the wire as {@code WeightsChunk}s: a header
 * (version, total bytes, model profile), then the artifact as it is on disk in data chunks of
 * {@link TrainerConfig#pushChunkBytes()}. The artifact carries its own SHA-256 trailer, which the
 * receiver checks. Read on a worker thread, one chunk at a time, so a 245 MB artifact is never
 * held whole in memory.
 */
@Singleton
public class WeightsChunkSender {

    private final VersionStore versions;
    private final String profile;
    private final int chunkBytes;

    public WeightsChunkSender(VersionStore versions, TrainerConfig config) {
        this.versions = versions;
        this.profile = config.profile();
        this.chunkBytes = config.pushChunkBytes();
    }

    /** Streams {@code version}, which must exist; a read failure ends the stream with INTERNAL. */
    public Multi<WeightsChunk> send(long version) {
        Path file = versions.file(version);
        return Multi.createFrom()
                .<WeightsChunk>emitter(emitter -> {
                    try (InputStream in = Files.newInputStream(file)) {
                        emitter.emit(WeightsChunk.newBuilder()
                                .setHeader(WeightsHeader.newBuilder()
                                        .setVersion(version)
                                        .setTotalBytes(Files.size(file))
                                        .setProfile(profile))
                                .build());
                        byte[] chunk;
                        while ((chunk = in.readNBytes(chunkBytes)).length > 0) {
                            emitter.emit(WeightsChunk.newBuilder()
                                    .setData(ByteString.copyFrom(chunk))
                                    .build());
                        }
                        emitter.complete();
                    } catch (IOException e) {
                        emitter.fail(Status.INTERNAL
                                .withDescription("cannot read version " + version + ": " + e.getMessage())
                                .asRuntimeException());
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}

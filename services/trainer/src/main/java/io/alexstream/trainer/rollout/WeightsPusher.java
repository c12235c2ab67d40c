package io.alexstream.trainer.rollout;

import com.google.protobuf.UnsafeByteOperations;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams one weights artifact to one worker's {@code ModelReceiver.PushWeights}: a header
 * chunk, then the file in chunks, sent only as fast as the transport is ready (gRPC flow
 * control). The chunks are slices of the memory-mapped file, so a 244 MB paper artifact is
 * never copied onto the heap.
 */
public final class WeightsPusher {

    /** How much may sit in the transport's buffer before the sender waits for it to drain. */
    static final int ON_READY_THRESHOLD_BYTES = 8 << 20;

    private WeightsPusher() {
    }

    public static CompletableFuture<PushResult> push(Channel channel, String token, Path artifact, long version, long parentVersion,
                                                     String profile, boolean rollback, int chunkBytes, Duration timeout) {
        CompletableFuture<PushResult> result = new CompletableFuture<>();
        ByteBuffer mapped;
        long size;
        try (FileChannel file = FileChannel.open(artifact, StandardOpenOption.READ)) {
            size = file.size();
            // the chunks are slices of the file's pages, wrapped, never copied onto the heap: after a training round the
            // trainer's heap is busy, and 245 MB of fresh chunk arrays per push made the transfer 2-3 times slower
            mapped = file.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (IOException e) {
            result.completeExceptionally(e);
            return result;
        }
        WeightsHeader header = WeightsHeader.newBuilder().setVersion(version).setParentVersion(parentVersion)
                .setTotalBytes(size).setProfile(profile).setRollback(rollback).build();
        ModelReceiverGrpc.ModelReceiverStub stub = ModelReceiverGrpc.newStub(channel);
        if (token != null && !token.isEmpty()) {
            // over mutual TLS the trainer's certificate is its credential and a token is optional
            stub = stub.withCallCredentials(new BearerCredentials(token));
        }
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                // with the default 32 KB the sender stalled after every chunk, waiting for the transport to drain
                .withOnReadyThreshold(ON_READY_THRESHOLD_BYTES)
                .pushWeights(new ClientResponseObserver<WeightsChunk, PushResult>() {
                    private boolean headerSent;
                    private boolean done;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<WeightsChunk> requests) {
                        requests.setOnReadyHandler(() -> {
                            try {
                                while (requests.isReady() && !done) {
                                    if (!headerSent) {
                                        requests.onNext(WeightsChunk.newBuilder().setHeader(header).build());
                                        headerSent = true;
                                        continue;
                                    }
                                    if (!mapped.hasRemaining()) {
                                        done = true;
                                        requests.onCompleted();
                                        return;
                                    }
                                    ByteBuffer chunk = mapped.slice().limit(Math.min(chunkBytes, mapped.remaining()));
                                    mapped.position(mapped.position() + chunk.remaining());
                                    // read-only pages of a file nobody rewrites (versions are written once): wrapped, not copied
                                    requests.onNext(WeightsChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk)).build());
                                }
                            } catch (RuntimeException e) {
                                done = true;
                                requests.onError(e);
                                throw e;
                            }
                        });
                    }

                    @Override
                    public void onNext(PushResult value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done = true;
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        return result;
    }
}

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
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams one weights artifact to one worker's {@code ModelReceiver.PushWeights}: a header
 * chunk, then the file in chunks, sent only as fast as the transport is ready (gRPC flow
 * control), so a 244 MB paper artifact never sits in memory whole.
 */
public final class WeightsPusher {

    /** How much may sit in the transport's buffer before the sender waits for it to drain. */
    static final int ON_READY_THRESHOLD_BYTES = 8 << 20;

    private WeightsPusher() {
    }

    public static CompletableFuture<PushResult> push(Channel channel, String token, Path artifact, long version, long parentVersion,
                                                     String profile, boolean rollback, int chunkBytes, Duration timeout) {
        CompletableFuture<PushResult> result = new CompletableFuture<>();
        InputStream in;
        long size;
        try {
            in = Files.newInputStream(artifact);
            size = Files.size(artifact);
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
                                    byte[] chunk = in.readNBytes(chunkBytes);
                                    if (chunk.length == 0) {
                                        done = true;
                                        in.close();
                                        requests.onCompleted();
                                        return;
                                    }
                                    // the array is this chunk's alone and never written again: wrapped, not copied
                                    requests.onNext(WeightsChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk)).build());
                                }
                            } catch (IOException e) {
                                done = true;
                                requests.onError(e);
                                throw new UncheckedIOException(e);
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
                        closeQuietly(in);
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        closeQuietly(in);
                    }
                });
        return result;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // already closed or never readable: the push outcome says what happened
        }
    }
}

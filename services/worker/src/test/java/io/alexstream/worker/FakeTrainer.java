package io.alexstream.worker;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.PullRequest;
import io.alexstream.proto.v1.RegistrationResult;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.alexstream.proto.v1.WorkerRegistration;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A trainer's registry on a real socket whose desired version a test sets: what a worker must converge on. */
final class FakeTrainer implements AutoCloseable {

    final AtomicLong desired = new AtomicLong();
    final AtomicInteger registrations = new AtomicInteger();
    final Map<Long, byte[]> artifacts = new ConcurrentHashMap<>();
    private final Server server;

    FakeTrainer() throws IOException {
        server = NettyServerBuilder.forPort(0)
                .addService(new ModelRegistryGrpc.ModelRegistryImplBase() {
                    @Override
                    public void registerWorker(WorkerRegistration request, StreamObserver<RegistrationResult> answer) {
                        registrations.incrementAndGet();
                        answer.onNext(RegistrationResult.newBuilder()
                                .setCurrentVersion(desired.get())
                                .build());
                        answer.onCompleted();
                    }

                    @Override
                    public void pullWeights(PullRequest request, StreamObserver<WeightsChunk> chunks) {
                        byte[] artifact = artifacts.get(request.getVersion());
                        if (artifact == null) {
                            chunks.onError(Status.NOT_FOUND
                                    .withDescription("no version " + request.getVersion())
                                    .asRuntimeException());
                            return;
                        }
                        chunks.onNext(WeightsChunk.newBuilder()
                                .setHeader(WeightsHeader.newBuilder()
                                        .setVersion(request.getVersion())
                                        .setTotalBytes(artifact.length))
                                .build());
                        for (int at = 0; at < artifact.length; at += 1 << 20) {
                            chunks.onNext(WeightsChunk.newBuilder()
                                    .setData(ByteString.copyFrom(artifact, at, Math.min(1 << 20, artifact.length - at)))
                                    .build());
                        }
                        chunks.onCompleted();
                    }
                })
                .build()
                .start();
    }

    String address() {
        return "localhost:" + server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}

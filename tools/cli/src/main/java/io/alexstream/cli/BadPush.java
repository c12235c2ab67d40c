package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A chaos fault: a push of a tiny fake version to a worker with no or with a wrong bearer token. The worker must
 * refuse it before it takes a byte; the answer is the gRPC status code, {@code ACCEPTED},
 * {@code PASSED_AUTHENTICATION (...)} when it was refused only later, or {@code NO_ANSWER}.
 */
final class BadPush {

    private BadPush() {}

    /** Pushes to {@code worker} with {@code token} (null: no token at all) and returns how it was answered. */
    static String push(ChaosTargets.Worker worker, String token) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(worker.grpcHost(), worker.grpcPort())
                .usePlaintext()
                .build();
        try {
            ModelReceiverGrpc.ModelReceiverStub stub =
                    ModelReceiverGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            if (token != null) {
                stub = stub.withCallCredentials(new BearerCredentials(token));
            }
            CompletableFuture<PushResult> result = new CompletableFuture<>();
            StreamObserver<WeightsChunk> push = stub.pushWeights(new StreamObserver<>() {
                @Override
                public void onNext(PushResult value) {
                    result.complete(value);
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    result.complete(null);
                }
            });
            push.onNext(WeightsChunk.newBuilder()
                    .setHeader(WeightsHeader.newBuilder()
                            .setVersion(999_999)
                            .setTotalBytes(4)
                            .setSha256("0".repeat(64))
                            .setProfile("small"))
                    .build());
            push.onNext(WeightsChunk.newBuilder()
                    .setData(ByteString.copyFromUtf8("fake"))
                    .build());
            push.onCompleted();
            try {
                PushResult answer = result.get(40, TimeUnit.SECONDS);
                return answer != null && answer.getAccepted()
                        ? "ACCEPTED"
                        : "PASSED_AUTHENTICATION (refused later: "
                                + (answer == null ? "no answer" : answer.getMessage()) + ")";
            } catch (ExecutionException e) {
                return Status.fromThrowable(e.getCause()).getCode().name();
            } catch (TimeoutException e) {
                return "NO_ANSWER";
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

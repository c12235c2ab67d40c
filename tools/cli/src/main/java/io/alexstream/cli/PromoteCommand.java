package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.proto.v1.ForcePromoteHeader;
import io.alexstream.proto.v1.ForcePromoteRequest;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.RolloutStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code promote --force --weights FILE --reason TEXT [--trainer localhost:8082] [--work DIR]}: a release manager
 * puts an artifact ({@code .alxw}) into service past the promotion gate, with the release-manager token (the
 * environment's {@code ALEXSTREAM_AUTH_RELEASE_MANAGER_TOKEN}, else the local stack's {@code credentials.env}). The
 * trainer makes it the next version and rolls it out, through the canary when one is configured. Prints the new
 * version; exit code 0 only when the trainer took it.
 */
public final class PromoteCommand {

    private static final int CHUNK = 1 << 20;

    private PromoteCommand() {}

    static int run(Arguments arguments) throws Exception {
        if (!arguments.flag("force")
                || arguments.get("weights", "").isBlank()
                || arguments.get("reason", "").isBlank()) {
            System.err.println("usage: alexstream promote --force --weights FILE --reason TEXT"
                    + " [--trainer localhost:8082] [--work DIR]  (a version past the gate: --force says you mean it)");
            return 2;
        }
        Path root = Path.of(System.getProperty("alexstream.root", ".")).toAbsolutePath();
        String token = StackCredentials.token(
                StackCredentials.RELEASE_MANAGER_TOKEN,
                System.getenv(StackCredentials.RELEASE_MANAGER_TOKEN),
                Path.of(arguments.get("work", root.resolve("work").toString())));
        String[] trainer = arguments.get("trainer", "localhost:8082").split(":", 2);
        ManagedChannel channel = ManagedChannelBuilder.forAddress(trainer[0], Integer.parseInt(trainer[1]))
                .usePlaintext()
                .build();
        try {
            byte[] artifact = Files.readAllBytes(Path.of(arguments.get("weights", "")));
            RolloutStatus status = forcePromote(channel, token, artifact, arguments.get("reason", ""));
            System.out.printf("version %d force-promoted: %s%n", status.getCurrentVersion(), status.getMessage());
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("the trainer refused: " + e.getStatus().getCode() + " "
                    + e.getStatus().getDescription());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * Streams the header and the artifact in 1 MiB parts; the trainer's answer once it has rolled it out. The system
     * tests force-promote with it too.
     */
    public static RolloutStatus forcePromote(ManagedChannel channel, String token, byte[] artifact, String reason)
            throws InterruptedException {
        CompletableFuture<RolloutStatus> answer = new CompletableFuture<>();
        StreamObserver<ForcePromoteRequest> upload = ModelRegistryGrpc.newStub(channel)
                .withCallCredentials(new BearerCredentials(token))
                .withDeadlineAfter(10, TimeUnit.MINUTES)
                .forcePromote(new StreamObserver<>() {
                    @Override
                    public void onNext(RolloutStatus value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(new IllegalStateException("the trainer answered nothing"));
                    }
                });
        upload.onNext(ForcePromoteRequest.newBuilder()
                .setHeader(ForcePromoteHeader.newBuilder().setReason(reason).setTotalBytes(artifact.length))
                .build());
        for (int from = 0; from < artifact.length; from += CHUNK) {
            upload.onNext(ForcePromoteRequest.newBuilder()
                    .setData(ByteString.copyFrom(artifact, from, Math.min(CHUNK, artifact.length - from)))
                    .build());
        }
        upload.onCompleted();
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException refused) {
                throw refused;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}

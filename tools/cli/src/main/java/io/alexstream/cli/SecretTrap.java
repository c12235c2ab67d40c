package io.alexstream.cli;

import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.ServingStatus;
import io.alexstream.proto.v1.ServingStatusRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake worker: a plain-text gRPC {@code ModelReceiver} on a free port, registered with the
 * trainer under the worker token as if it were a worker, to see what the trainer sends to an
 * address it did not choose. It records any {@code authorization} header and any header or
 * pushed byte that contains one of the known secrets; it accepts nothing it is pushed.
 */
final class SecretTrap implements AutoCloseable {

    private final Map<String, String> secrets;
    private final List<String> seen = new ArrayList<>();
    private final AtomicLong calls = new AtomicLong();
    private final Server server;

    SecretTrap(Map<String, String> secrets) throws IOException {
        this.secrets = Map.copyOf(secrets);
        ServerInterceptor headers = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
                calls.incrementAndGet();
                String method = call.getMethodDescriptor().getBareMethodName();
                for (String key : metadata.keys()) {
                    if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        continue;
                    }
                    String value = metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                    if (key.equals("authorization")) {
                        record(method + " carried an authorization header" + which(value));
                    } else {
                        inspect(method + " header " + key, value);
                    }
                }
                return next.startCall(call, metadata);
            }
        };
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .maxInboundMessageSize(16 << 20)
                .addService(ServerInterceptors.intercept(new Receiver(), headers))
                .build()
                .start();
    }

    int port() {
        return server.getPort();
    }

    /** Calls the trainer (or anyone) made to this address. */
    long calls() {
        return calls.get();
    }

    /** What reached this address that should not have: one line each. */
    synchronized List<String> seen() {
        return List.copyOf(seen);
    }

    private synchronized void record(String what) {
        if (!seen.contains(what)) {
            seen.add(what);
        }
    }

    private void inspect(String where, String text) {
        if (text == null) {
            return;
        }
        secrets.forEach((name, secret) -> {
            if (text.contains(secret)) {
                record(where + " contained " + name);
            }
        });
    }

    private String which(String value) {
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            if (value != null && value.contains(secret.getValue())) {
                return ": " + secret.getKey();
            }
        }
        return " (not one of the known tokens)";
    }

    /** Takes pushes and looks through them; accepts none. */
    private final class Receiver extends ModelReceiverGrpc.ModelReceiverImplBase {
        @Override
        public StreamObserver<WeightsChunk> pushWeights(StreamObserver<PushResult> response) {
            return new StreamObserver<>() {
                @Override
                public void onNext(WeightsChunk chunk) {
                    inspect("a pushed chunk", chunk.toByteString().toString(StandardCharsets.ISO_8859_1));
                }

                @Override
                public void onError(Throwable t) {
                    // the trainer gave up on this fake worker: nothing to answer
                }

                @Override
                public void onCompleted() {
                    response.onNext(PushResult.newBuilder()
                            .setAccepted(false)
                            .setMessage("a chaos trap, not a worker")
                            .build());
                    response.onCompleted();
                }
            };
        }

        @Override
        public void getServingStatus(ServingStatusRequest request, StreamObserver<ServingStatus> response) {
            response.onNext(ServingStatus.newBuilder()
                    .setWorkerId("chaos-trap")
                    .setServingVersion(0)
                    .setReady(true)
                    .build());
            response.onCompleted();
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}

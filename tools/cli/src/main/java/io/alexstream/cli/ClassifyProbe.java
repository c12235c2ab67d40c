package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * gRPC callers during a scenario: one thread calls {@code Classify} on every worker in turn, one call every 200 ms,
 * for as long as the scenario runs, so a rollout or rollback that fails a request shows as {@link #failed()}.
 */
final class ClassifyProbe implements AutoCloseable {

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ByteString image;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, Long> failures = new TreeMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    ClassifyProbe(List<Integer> grpcPorts, byte[] png) {
        this.image = ByteString.copyFrom(png);
        for (int port : grpcPorts) {
            channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", port)
                    .usePlaintext()
                    .build());
        }
        thread = new Thread(this::loop, "classify-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        int next = 0;
        while (running) {
            ManagedChannel channel = channels.get(next++ % channels.size());
            try {
                ClassifierGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .classify(ClassifyRequest.newBuilder().setImage(image).build());
                ok.incrementAndGet();
            } catch (StatusRuntimeException e) {
                failed.incrementAndGet();
                synchronized (failures) {
                    failures.merge(e.getStatus().getCode().name(), 1L, Long::sum);
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    Map<String, Long> failures() {
        synchronized (failures) {
            return Map.copyOf(failures);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(35_000);
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

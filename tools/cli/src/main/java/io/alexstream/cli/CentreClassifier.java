package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The demo's gRPC part on one worker: the test split's centre crops over ClassifyStream (at most 128 in flight, well
 * below the worker's queue), and {@link #GRPC_LATENCY_CALLS} unary calls timed one at a time.
 */
final class CentreClassifier {

    static final int GRPC_LATENCY_CALLS = 200;

    private final int port;
    private final PrintStream out;

    CentreClassifier(int port, PrintStream out) {
        this.port = port;
        this.out = out;
    }

    Map<String, ClassifyResponse> classifyCentre(List<Sample> test) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        Map<String, ClassifyResponse> answers = new ConcurrentHashMap<>();
        try {
            CountDownLatch done = new CountDownLatch(1);
            StreamObserver<ClassifyRequest> requests = ClassifierGrpc.newStub(channel)
                    .withDeadlineAfter(10, TimeUnit.MINUTES)
                    .classifyStream(new StreamObserver<>() {
                        @Override
                        public void onNext(ClassifyResponse value) {
                            answers.put(value.getImageId(), value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            out.println("gRPC stream failed: " + t);
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
            int sent = 0;
            for (Sample sample : test) {
                requests.onNext(ClassifyRequest.newBuilder()
                        .setImageId(sample.id())
                        .setImage(ByteString.copyFrom(sample.png()))
                        .setCropMode(CropMode.CENTER)
                        .setTopK(5)
                        .build());
                sent++;
                // keep the worker's queue well below its capacity
                while (sent - answers.size() > 128) {
                    Thread.sleep(2);
                }
            }
            requests.onCompleted();
            done.await(10, TimeUnit.MINUTES);
        } finally {
            channel.shutdownNow();
        }
        return answers;
    }

    double[] unaryLatencies(List<Sample> test) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            double[] millis = new double[Math.min(GRPC_LATENCY_CALLS, test.size())];
            for (int i = 0; i < millis.length; i++) {
                long t0 = System.nanoTime();
                classifier
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .classify(ClassifyRequest.newBuilder()
                                .setImage(ByteString.copyFrom(test.get(i).png()))
                                .build());
                millis[i] = (System.nanoTime() - t0) / 1e6;
            }
            return millis;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

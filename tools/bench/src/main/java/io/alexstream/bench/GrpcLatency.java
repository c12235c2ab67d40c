package io.alexstream.bench;

import com.google.protobuf.ByteString;
import io.alexstream.proto.inference.GRPCInferenceServiceGrpc;
import io.alexstream.proto.inference.InferParameter;
import io.alexstream.proto.inference.InferTensorContents;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.Timings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Unary gRPC at concurrency 1, the same image through alexstream's {@code Classify} (10 crops, top 5) and the Open
 * Inference Protocol's {@code ModelInfer} (BYTES [1], the classification extension's top 5), one call of each in
 * turn after three untimed pairs, so the machine's drift falls on both alike: each call's milliseconds as the caller
 * saw them, and the medians of where the worker says Classify's time went.
 */
final class GrpcLatency {

    /** Milliseconds of each Classify call and of each ModelInfer call. */
    record Calls(double[] classify, double[] oip) {}

    private GrpcLatency() {}

    static Calls millis(int port, byte[] image, int calls) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            ClassifyRequest request = ClassifyRequest.newBuilder()
                    .setImage(ByteString.copyFrom(image))
                    .setTopK(5)
                    .setCropMode(CropMode.TEN_CROP)
                    .build();
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            ModelInferRequest infer = ModelInferRequest.newBuilder()
                    .setModelName("alexnet")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                            .setName("images")
                            .setDatatype("BYTES")
                            .addShape(1)
                            .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFrom(image))))
                    .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                            .setName("probabilities")
                            .putParameters(
                                    "classification",
                                    InferParameter.newBuilder().setInt64Param(5).build()))
                    .build();
            for (int i = 0; i < 3; i++) {
                classifier.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request);
                oip.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(infer);
            }
            double[] millis = new double[calls];
            double[] oipMillis = new double[calls];
            double[] queue = new double[calls];
            double[] preprocess = new double[calls];
            double[] inference = new double[calls];
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                Timings timings = classifier
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .classify(request)
                        .getPrediction()
                        .getTimings();
                millis[i] = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                oip.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(infer);
                oipMillis[i] = (System.nanoTime() - t1) / 1e6;
                queue[i] = timings.getQueueSeconds() * 1e3;
                preprocess[i] = timings.getPreprocessSeconds() * 1e3;
                inference[i] = timings.getInferenceSeconds() * 1e3;
            }
            // where a call's time goes, as the worker saw it; the rest is the transport and the caller
            System.out.printf(
                    Locale.ROOT,
                    "  gRPC calls, medians as the worker measured them: queue %.1f ms, "
                            + "preprocess %.1f ms, session run %.1f ms%n",
                    Percentiles.of(queue, 0.5),
                    Percentiles.of(preprocess, 0.5),
                    Percentiles.of(inference, 0.5));
            return new Calls(millis, oipMillis);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

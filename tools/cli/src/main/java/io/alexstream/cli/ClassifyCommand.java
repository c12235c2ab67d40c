package io.alexstream.cli;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code classify FILE... [--address localhost:9081] [--center] [--top 5]}: gRPC Classify on a
 * worker; prints each file's top classes with probabilities and the model version that answered.
 */
final class ClassifyCommand {

    private ClassifyCommand() {}

    static int run(Arguments arguments) throws Exception {
        if (arguments.positional().isEmpty()) {
            System.err.println("usage: alexstream classify FILE... [--address localhost:9081] [--center] [--top 5]");
            return 2;
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget(arguments.get("address", "localhost:9081"))
                .usePlaintext()
                .maxInboundMessageSize(8 << 20)
                .build();
        int failures = 0;
        try {
            ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(channel);
            for (String file : arguments.positional()) {
                try {
                    ClassifyResponse response = classifier
                            .withDeadlineAfter(60, TimeUnit.SECONDS)
                            .classify(ClassifyRequest.newBuilder()
                                    .setImageId(Path.of(file).getFileName().toString())
                                    .setImage(ByteString.copyFrom(Files.readAllBytes(Path.of(file))))
                                    .setTopK(arguments.getInt("top", 5))
                                    .setCropMode(arguments.flag("center") ? CropMode.CENTER : CropMode.TEN_CROP)
                                    .build());
                    var prediction = response.getPrediction();
                    System.out.printf(
                            Locale.ROOT,
                            "%s  (model version %d, %d crops, worker %s, %.0f ms inference)%n",
                            file,
                            prediction.getModelVersion(),
                            prediction.getCropsUsed(),
                            prediction.getWorkerId(),
                            prediction.getTimings().getInferenceSeconds() * 1e3);
                    for (ClassScore score : prediction.getTopList()) {
                        System.out.printf(
                                Locale.ROOT,
                                "  %6.2f%%  %3d  %s%n",
                                100 * score.getProbability(),
                                score.getIndex(),
                                score.getName());
                    }
                } catch (StatusRuntimeException e) {
                    failures++;
                    System.out.printf(
                            "%s  refused: %s %s%n",
                            file, e.getStatus().getCode(), e.getStatus().getDescription());
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return failures == 0 ? 0 : 1;
    }
}

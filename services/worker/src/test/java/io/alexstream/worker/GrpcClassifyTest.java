package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.Classifier;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.proto.v1.CropMode;
import io.alexstream.proto.v1.ImageErrorReason;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.testing.images.HostileImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration over a real gRPC socket (the Quarkus test port). Classify answers with
 * the served version and ten crops; refused images are INVALID_ARGUMENT on the unary call and
 * an error response on the stream, which goes on; an expired deadline is DEADLINE_EXCEEDED.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class GrpcClassifyTest {

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub blocking;

    @GrpcClient("classifier")
    Classifier streaming;

    @GrpcClient("classifier")
    grpc.health.v1.HealthGrpc.HealthBlockingStub health;

    @GrpcClient("classifier")
    io.grpc.Channel channel;

    @Test
    void standardHealthAndReflectionServicesAnswer() throws Exception {
        var status = health.check(
                grpc.health.v1.HealthOuterClass.HealthCheckRequest.newBuilder().build());
        assertThat(status.getStatus())
                .isEqualTo(grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus.SERVING);

        java.util.concurrent.CompletableFuture<List<String>> services = new java.util.concurrent.CompletableFuture<>();
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse response) {
                        services.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1.ServiceResponse::getName)
                                .toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setListServices("")
                .build());
        assertThat(services.get(30, TimeUnit.SECONDS)).contains("alexstream.v1.Classifier", "grpc.health.v1.Health");
        requests.onCompleted();
    }

    @Test
    void unaryClassifyAnswersWithTheServedModel() throws Exception {
        ClassifyResponse response = blocking.classify(ClassifyRequest.newBuilder()
                .setImageId("g-1")
                .setImage(ByteString.copyFrom(png(50, 40)))
                .build());
        assertThat(response.getImageId()).isEqualTo("g-1");
        assertThat(response.getPrediction().getModelVersion()).isEqualTo(1L);
        assertThat(response.getPrediction().getCropsUsed()).isEqualTo(10);
        assertThat(response.getPrediction().getTopList()).hasSize(5);
        ClassifyResponse centre = blocking.classify(ClassifyRequest.newBuilder()
                .setImage(ByteString.copyFrom(png(50, 40)))
                .setCropMode(CropMode.CENTER)
                .setTopK(3)
                .build());
        assertThat(centre.getPrediction().getCropsUsed()).isEqualTo(1);
        assertThat(centre.getPrediction().getTopList()).hasSize(3);
        assertThat(centre.getImageId()).isNotEmpty();
    }

    @Test
    void aRefusedImageIsInvalidArgumentNamingTheReason() {
        assertThatThrownBy(() -> blocking.classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFromUtf8("not an image"))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("UNSUPPORTED_FORMAT");
                });
    }

    @Test
    void anExpiredDeadlineIsDeadlineExceeded() throws Exception {
        byte[] image = png(50, 40);
        assertThatThrownBy(() -> blocking.withDeadlineAfter(1, TimeUnit.NANOSECONDS)
                        .classify(ClassifyRequest.newBuilder()
                                .setImage(ByteString.copyFrom(image))
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    @Test
    void theStreamAnswersEveryImageAndCarriesErrorsInBand() throws Exception {
        byte[] image = png(30, 30);
        List<ClassifyResponse> responses = streaming
                .classifyStream(Multi.createFrom()
                        .items(
                                ClassifyRequest.newBuilder()
                                        .setImageId("s-1")
                                        .setImage(ByteString.copyFrom(image))
                                        .build(),
                                ClassifyRequest.newBuilder()
                                        .setImageId("s-bad")
                                        .setImage(ByteString.copyFromUtf8("junk"))
                                        .build(),
                                // once an OutOfMemoryError in the BMP reader: INTERNAL for the whole stream
                                ClassifyRequest.newBuilder()
                                        .setImageId("s-bmp")
                                        .setImage(ByteString.copyFrom(HostileImages.bmpDeclaringHugeData()))
                                        .build(),
                                ClassifyRequest.newBuilder()
                                        .setImageId("s-2")
                                        .setImage(ByteString.copyFrom(image))
                                        .build()))
                .collect()
                .asList()
                .await()
                .atMost(Duration.ofSeconds(60));
        assertThat(responses)
                .extracting(ClassifyResponse::getImageId)
                .containsExactlyInAnyOrder("s-1", "s-bad", "s-bmp", "s-2");
        assertThat(responses.stream()
                        .filter(r -> r.getImageId().equals("s-bmp"))
                        .findFirst()
                        .orElseThrow()
                        .getError()
                        .getReason())
                .isEqualTo(ImageErrorReason.CORRUPT);
        ClassifyResponse bad = responses.stream()
                .filter(r -> r.getImageId().equals("s-bad"))
                .findFirst()
                .orElseThrow();
        assertThat(bad.hasError()).isTrue();
        assertThat(bad.getError().getReason()).isEqualTo(ImageErrorReason.UNSUPPORTED_FORMAT);
        assertThat(responses.stream().filter(ClassifyResponse::hasPrediction).count())
                .isEqualTo(2);
    }

    private static byte[] png(int w, int h) {
        return EncodedImages.png(w, h, 1, 1, 0x336699);
    }
}

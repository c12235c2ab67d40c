package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import io.alexstream.auth.BearerCredentials;
import io.alexstream.proto.inference.GRPCInferenceServiceGrpc;
import io.alexstream.proto.inference.InferTensorContents;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelMetadataRequest;
import io.alexstream.proto.inference.ServerReadyRequest;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.worker.security.CallerToken;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration over real sockets. With {@code alexstream.auth.caller-token} set, classification over every
 * transport (Classify, the Open Inference Protocol's ModelInfer, its REST infer) needs that token and nothing else
 * opens it; health, readiness and metadata stay open.
 */
@QuarkusTest
@TestProfile(ClassificationAuthTest.WithCallerToken.class)
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class ClassificationAuthTest {

    /** Made per run: no credential is ever committed. */
    static final String TOKEN = UUID.randomUUID().toString();

    public static class WithCallerToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("alexstream.auth.caller-token", TOKEN);
        }
    }

    @GrpcClient("classifier")
    Channel channel;

    private final byte[] image = EncodedImages.noisePng(64, 48, 1);

    @Test
    void grpcClassificationNeedsTheCallerToken() {
        var oip = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        var classifier = ClassifierGrpc.newBlockingStub(channel);
        ModelInferRequest infer = ModelInferRequest.newBuilder()
                .setModelName("alexnet")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("images")
                        .setDatatype("BYTES")
                        .addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFrom(image))))
                .build();
        ClassifyRequest classify = ClassifyRequest.newBuilder()
                .setImage(ByteString.copyFrom(image))
                .build();
        refused(() -> oip.modelInfer(infer));
        refused(() -> classifier.classify(classify));
        refused(() ->
                oip.withCallCredentials(new BearerCredentials("not-" + TOKEN)).modelInfer(infer));

        assertThat(oip.withCallCredentials(new BearerCredentials(TOKEN))
                        .modelInfer(infer)
                        .getModelVersion())
                .isEqualTo("1");
        assertThat(classifier
                        .withCallCredentials(new BearerCredentials(TOKEN))
                        .classify(classify)
                        .getPrediction()
                        .getModelVersion())
                .isEqualTo(1L);
        // what probes and routers read stays open
        assertThat(oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                .isTrue();
        assertThat(oip.modelMetadata(ModelMetadataRequest.newBuilder()
                                .setName("alexnet")
                                .build())
                        .getVersionsList())
                .containsExactly("1");
    }

    @Test
    void restInferenceNeedsTheCallerToken() {
        String body = """
                {"inputs": [{"name": "images", "datatype": "BYTES", "shape": [1], "data": [{"b64": "%s"}]}]}
                """.formatted(Base64.getEncoder().encodeToString(image));
        given().contentType("application/json")
                .body(body)
                .post("/v2/models/alexnet/infer")
                .then()
                .statusCode(401)
                .body("error", equalTo(CallerToken.REFUSAL));
        given().contentType("application/json")
                .header("authorization", "Bearer not-" + TOKEN)
                .body(body)
                .post("/v2/models/alexnet/infer")
                .then()
                .statusCode(401);
        given().contentType("application/json")
                .header("authorization", "Bearer " + TOKEN)
                .body(body)
                .post("/v2/models/alexnet/infer")
                .then()
                .statusCode(200)
                .body("model_version", equalTo("1"));
        given().get("/v2/health/ready").then().statusCode(200);
        given().get("/v2/models/alexnet").then().statusCode(200);
    }

    private static void refused(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).isEqualTo(CallerToken.REFUSAL);
        });
    }
}

package io.alexstream.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import io.alexstream.proto.inference.GRPCInferenceServiceGrpc;
import io.alexstream.proto.inference.InferParameter;
import io.alexstream.proto.inference.InferTensorContents;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferRequest.InferInputTensor;
import io.alexstream.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import io.alexstream.proto.inference.ModelInferResponse;
import io.alexstream.proto.inference.ModelMetadataRequest;
import io.alexstream.proto.inference.ModelMetadataResponse;
import io.alexstream.proto.inference.ModelReadyRequest;
import io.alexstream.proto.inference.ServerLiveRequest;
import io.alexstream.proto.inference.ServerMetadataRequest;
import io.alexstream.proto.inference.ServerReadyRequest;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.testing.images.EncodedImages;
import io.alexstream.worker.oip.OipModel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration over real sockets (the Quarkus test ports). The Open Inference Protocol's gRPC service, called
 * with stubs generated from libs/proto's {@code inference/grpc_predict_v2.proto}, and its HTTP twin with a plain HTTP
 * client: health and metadata, encoded images and decoded pixels in typed and raw form giving the probabilities
 * Classify gives, the classification extension, and each malformed request refused with the protocol's status and a
 * reason.
 */
@QuarkusTest
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class OipProtocolTest {

    static final String MODEL = "alexnet";
    static final int CLASSES = 10;
    /** Debian's interpreter, where python3-grpcio lives, even when another python3 comes first on the PATH. */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @GrpcClient("classifier")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    private final byte[] first = EncodedImages.noisePng(64, 48, 1);
    private final byte[] second = EncodedImages.noisePng(40, 70, 2);

    @Test
    void healthAndMetadataTellTheTruth() {
        assertThat(oip.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .isTrue();
        assertThat(oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                .isTrue();
        assertThat(oip.modelReady(ModelReadyRequest.newBuilder().setName(MODEL).build())
                        .getReady())
                .isTrue();
        assertThat(oip.modelReady(ModelReadyRequest.newBuilder()
                                .setName(MODEL)
                                .setVersion("1")
                                .build())
                        .getReady())
                .isTrue();
        assertThat(oip.modelReady(ModelReadyRequest.newBuilder()
                                .setName(MODEL)
                                .setVersion("7")
                                .build())
                        .getReady())
                .isFalse();
        assertThat(oip.modelReady(
                                ModelReadyRequest.newBuilder().setName("resnet").build())
                        .getReady())
                .isFalse();
        var server = oip.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(server.getName()).isEqualTo("alexstream");
        assertThat(server.getExtensionsList()).containsExactly("classification");
        ModelMetadataResponse model = oip.modelMetadata(
                ModelMetadataRequest.newBuilder().setName(MODEL).build());
        assertThat(model.getVersionsList()).containsExactly("1");
        assertThat(model.getInputsList())
                .extracting(t -> t.getName() + " " + t.getDatatype() + " " + t.getShapeList())
                .containsExactly("images BYTES [-1]", "pixels FP32 [-1, -1, -1, 3]");
        assertThat(model.getOutputsList())
                .extracting(t -> t.getName() + " " + t.getDatatype() + " " + t.getShapeList())
                .containsExactly("probabilities FP32 [-1, " + CLASSES + "]");
    }

    @Test
    void encodedImagesGiveClassifysProbabilitiesTypedAndRaw() {
        float[][] expected = {classify(first), classify(second)};
        ModelInferResponse typed = oip.modelInfer(request()
                .addInputs(images(2)
                        .setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFrom(first))
                                .addBytesContents(ByteString.copyFrom(second))))
                .build());
        assertThat(typed.getModelName()).isEqualTo(MODEL);
        assertThat(typed.getModelVersion()).isEqualTo("1");
        assertThat(typed.getId()).isEqualTo("req-1");
        assertThat(typed.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly(2L, (long) CLASSES);
        assertClose(floats(typed.getOutputs(0).getContents().getFp32ContentsList()), expected);

        ModelInferResponse raw = oip.modelInfer(request()
                .addInputs(images(2))
                .addRawInputContents(ByteString.copyFrom(rawBytes(first, second)))
                .build());
        assertThat(raw.getRawOutputContentsCount()).isEqualTo(1);
        assertClose(rawFloats(raw.getRawOutputContents(0)), expected);
    }

    @Test
    void decodedPixelsGoThroughTheSameCropsNhwcAndNchw() throws Exception {
        float[] expected = classify(first);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(first));
        int w = decoded.getWidth();
        int h = decoded.getHeight();
        float[] nhwc = new float[h * w * 3];
        float[] nchw = new float[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = decoded.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    float v = (rgb >> (16 - 8 * c)) & 0xff;
                    nhwc[(y * w + x) * 3 + c] = v;
                    nchw[(c * h + y) * w + x] = v;
                }
            }
        }
        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        for (float v : nhwc) {
            typed.addFp32Contents(v);
        }
        ModelInferResponse fromNhwc = oip.modelInfer(
                request().addInputs(pixels(1, h, w, 3).setContents(typed)).build());
        assertClose(floats(fromNhwc.getOutputs(0).getContents().getFp32ContentsList()), new float[][] {expected});

        ByteBuffer raw = ByteBuffer.allocate(nchw.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : nchw) {
            raw.putFloat(v);
        }
        ModelInferResponse fromNchw = oip.modelInfer(request()
                .addInputs(pixels(1, 3, h, w)
                        .putParameters(
                                OipModel.LAYOUT,
                                InferParameter.newBuilder()
                                        .setStringParam("NCHW")
                                        .build()))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build());
        assertClose(rawFloats(fromNchw.getRawOutputContents(0)), new float[][] {expected});
    }

    @Test
    void theClassificationExtensionGivesTheTopClassesBestFirst() {
        float[] expected = classify(first);
        ModelInferResponse response = oip.modelInfer(request()
                .addInputs(images(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFrom(first))))
                .addOutputs(InferRequestedOutputTensor.newBuilder()
                        .setName(OipModel.OUTPUT_PROBABILITIES)
                        .putParameters(
                                OipModel.CLASSIFICATION,
                                InferParameter.newBuilder().setInt64Param(3).build()))
                .build());
        var output = response.getOutputs(0);
        assertThat(output.getDatatype()).isEqualTo("BYTES");
        assertThat(output.getShapeList()).containsExactly(1L, 3L);
        List<String> top = output.getContents().getBytesContentsList().stream()
                .map(b -> b.toString(StandardCharsets.UTF_8))
                .toList();
        List<ClassScore> classify = classifier
                .classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(first))
                        .setTopK(3)
                        .build())
                .getPrediction()
                .getTopList();
        for (int i = 0; i < 3; i++) {
            String[] parts = top.get(i).split(":", 3);
            assertThat(Integer.parseInt(parts[1])).isEqualTo(classify.get(i).getIndex());
            assertThat(parts[2]).isEqualTo(classify.get(i).getName());
            assertThat(Float.parseFloat(parts[0]))
                    .isCloseTo(expected[classify.get(i).getIndex()], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void malformedRequestsGetTheProtocolsErrorWithAReason() {
        refused(request(), Status.Code.INVALID_ARGUMENT, "expected exactly one input");
        refused(
                request()
                        .addInputs(InferInputTensor.newBuilder()
                                .setName(OipModel.INPUT_IMAGES)
                                .setDatatype("FP32")
                                .addShape(1)),
                Status.Code.INVALID_ARGUMENT,
                "input 'images' must be BYTES, got 'FP32'");
        refused(
                request()
                        .addInputs(pixels(1, 4, 4, 3)
                                .setContents(InferTensorContents.newBuilder()
                                        .addFp32Contents(1f)
                                        .addFp32Contents(2f))),
                Status.Code.INVALID_ARGUMENT,
                "input 'pixels' has shape [1, 4, 4, 3] (48 values) but 2 fp32_contents");
        refused(
                request().addInputs(pixels(1, 2, 2, 3)).addRawInputContents(ByteString.copyFrom(new byte[47])),
                Status.Code.INVALID_ARGUMENT,
                "(48 bytes of FP32) but its raw contents hold 47 bytes");
        refused(
                request().addInputs(images(2)).addRawInputContents(ByteString.copyFrom(rawBytes(first))),
                Status.Code.INVALID_ARGUMENT,
                "has shape [2] but its raw contents hold 1 elements");
        refused(
                request()
                        .addInputs(InferInputTensor.newBuilder()
                                .setName("image")
                                .setDatatype("BYTES")
                                .addShape(1)),
                Status.Code.INVALID_ARGUMENT,
                "unknown input 'image'");
        refused(
                request().setModelName("resnet").addInputs(images(1)),
                Status.Code.NOT_FOUND,
                "unknown model 'resnet'; this worker serves 'alexnet'");
        InferTensorContents.Builder many = InferTensorContents.newBuilder();
        for (int i = 0; i < 65; i++) {
            many.addBytesContents(ByteString.copyFrom(first));
        }
        refused(
                request().addInputs(images(65).setContents(many)),
                Status.Code.INVALID_ARGUMENT,
                "has 65 images; 1 to 64 per request");
        refused(
                request()
                        .addInputs(images(1)
                                .setContents(InferTensorContents.newBuilder()
                                        .addBytesContents(ByteString.copyFromUtf8("not an image")))),
                Status.Code.INVALID_ARGUMENT,
                "image 0: UNSUPPORTED_FORMAT");
        refused(
                request()
                        .addInputs(images(1)
                                .setContents(
                                        InferTensorContents.newBuilder().addBytesContents(ByteString.copyFrom(first))))
                        .addOutputs(InferRequestedOutputTensor.newBuilder().setName("logits")),
                Status.Code.INVALID_ARGUMENT,
                "unknown output 'logits'");
    }

    @Test
    void theHttpTwinAnswersAsTheGrpcServiceDoes() {
        given().get("/v2/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/alexnet/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/alexnet")
                .then()
                .statusCode(200)
                .body("name", equalTo(MODEL))
                .body("versions[0]", equalTo("1"))
                .body("inputs[0].datatype", equalTo("BYTES"))
                .body("outputs[0].shape[1]", equalTo(CLASSES));
        float[] expected = classify(first);
        String body = """
                {"id": "rest-1", "inputs": [{"name": "images", "datatype": "BYTES", "shape": [1],
                  "data": [{"b64": "%s"}]}],
                 "outputs": [{"name": "probabilities"}]}
                """.formatted(Base64.getEncoder().encodeToString(first));
        JsonPath answer = given().contentType("application/json")
                .body(body)
                .post("/v2/models/alexnet/infer")
                .then()
                .statusCode(200)
                .body("model_version", equalTo("1"))
                .body("id", equalTo("rest-1"))
                .body("outputs[0].shape", equalTo(List.of(1, CLASSES)))
                .extract()
                .jsonPath();
        List<Float> data = answer.getList("outputs[0].data", Float.class);
        float[] got = new float[data.size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = data.get(i);
        }
        assertClose(got, new float[][] {expected});
        given().contentType("application/json")
                .body("{\"inputs\": [{\"name\": \"images\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}")
                .post("/v2/models/alexnet/infer")
                .then()
                .statusCode(400)
                .body("error", equalTo("input 'images' must be BYTES, got 'FP32'"));
        given().contentType("application/json")
                .body("{\"inputs\": []}")
                .post("/v2/models/resnet/infer")
                .then()
                .statusCode(404)
                .body("error", equalTo("unknown model 'resnet'; this worker serves 'alexnet'"));
    }

    @Test
    void aPythonClientGeneratedFromTheProtoClassifiesLikeClassify() throws Exception {
        Path dir = Files.createTempDirectory("oip-python");
        try (InputStream proto = getClass().getClassLoader().getResourceAsStream("inference/grpc_predict_v2.proto");
                InputStream script = getClass().getClassLoader().getResourceAsStream("oip/oip_client.py")) {
            assertThat(proto)
                    .as("the shipped .proto on the classpath (alexstream-proto)")
                    .isNotNull();
            Files.copy(proto, dir.resolve("grpc_predict_v2.proto"));
            Files.copy(script, dir.resolve("oip_client.py"));
        }
        run(
                dir,
                PYTHON,
                "-m",
                "grpc_tools.protoc",
                "-I",
                dir.toString(),
                "--python_out=" + dir,
                "--grpc_python_out=" + dir,
                dir.resolve("grpc_predict_v2.proto").toString());
        Files.write(dir.resolve("image.png"), first);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(first));
        int w = decoded.getWidth();
        int h = decoded.getHeight();
        ByteBuffer pixels = ByteBuffer.allocate(h * w * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = decoded.getRGB(x, y);
                pixels.putFloat((rgb >> 16) & 0xff).putFloat((rgb >> 8) & 0xff).putFloat(rgb & 0xff);
            }
        }
        Files.write(dir.resolve("pixels.f32"), pixels.array());
        String printed = run(
                dir,
                PYTHON,
                dir.resolve("oip_client.py").toString(),
                dir.toString(),
                "localhost:19081",
                MODEL,
                dir.resolve("image.png").toString(),
                dir.resolve("pixels.f32").toString(),
                Integer.toString(h),
                Integer.toString(w));
        JsonPath got = new JsonPath(printed);
        assertThat(got.getBoolean("live")).isTrue();
        assertThat(got.getBoolean("ready")).isTrue();
        assertThat(got.getBoolean("model_ready")).isTrue();
        assertThat(got.getString("server.name")).isEqualTo("alexstream");
        assertThat(got.getList("inputs").toString())
                .isEqualTo("[[images, BYTES, [-1]], [pixels, FP32, [-1, -1, -1, 3]]]");
        assertThat(got.getString("version")).isEqualTo("1");
        float[][] expected = {classify(first)};
        for (String form : List.of("typed", "raw", "pixels")) {
            List<Float> values = got.getList(form, Float.class);
            assertThat(values).as(form).hasSize(CLASSES);
            assertClose(floats(values), expected);
        }
        int best = 0;
        for (int k = 1; k < CLASSES; k++) {
            best = expected[0][k] > expected[0][best] ? k : best;
        }
        assertThat(got.getList("classification", String.class).get(0)).contains(":" + best + ":");
        assertThat(got.getString("unknown_model")).startsWith("NOT_FOUND: unknown model 'resnet'");
    }

    private static String run(Path dir, String... command) throws Exception {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as(
                        "%s (python3-grpcio and python3-grpc-tools: .ci/run installs them)\n%s",
                        String.join(" ", command), output)
                .isZero();
        return output.lines().reduce((a, b) -> b).orElse("");
    }

    /** Every class's probability as Classify gives it. */
    private float[] classify(byte[] image) {
        float[] p = new float[CLASSES];
        classifier
                .classify(ClassifyRequest.newBuilder()
                        .setImage(ByteString.copyFrom(image))
                        .setTopK(CLASSES)
                        .build())
                .getPrediction()
                .getTopList()
                .forEach(s -> p[s.getIndex()] = s.getProbability());
        return p;
    }

    private void refused(ModelInferRequest.Builder request, Status.Code code, String reason) {
        assertThatThrownBy(() -> oip.modelInfer(request.build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(reason);
                });
    }

    private static ModelInferRequest.Builder request() {
        return ModelInferRequest.newBuilder().setModelName(MODEL).setId("req-1");
    }

    private static InferInputTensor.Builder images(int count) {
        return InferInputTensor.newBuilder()
                .setName(OipModel.INPUT_IMAGES)
                .setDatatype("BYTES")
                .addShape(count);
    }

    private static InferInputTensor.Builder pixels(long... shape) {
        InferInputTensor.Builder tensor =
                InferInputTensor.newBuilder().setName(OipModel.INPUT_PIXELS).setDatatype("FP32");
        for (long dim : shape) {
            tensor.addShape(dim);
        }
        return tensor;
    }

    private static byte[] rawBytes(byte[]... elements) {
        int size = 0;
        for (byte[] e : elements) {
            size += 4 + e.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : elements) {
            buffer.putInt(e.length).put(e);
        }
        return buffer.array();
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static float[] rawFloats(ByteString raw) {
        float[] out = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(out);
        return out;
    }

    /** The same image in another batch: the same probabilities up to the batch's summation order. */
    private static void assertClose(float[] actual, float[][] expected) {
        assertThat(actual).hasSize(expected.length * CLASSES);
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < CLASSES; k++) {
                assertThat(actual[i * CLASSES + k])
                        .as("image %d class %d", i, k)
                        .isCloseTo(expected[i][k], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }
}

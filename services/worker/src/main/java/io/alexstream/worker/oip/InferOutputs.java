package io.alexstream.worker.oip;

import com.google.protobuf.ByteString;
import io.alexstream.proto.inference.InferParameter;
import io.alexstream.proto.inference.InferTensorContents;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import io.alexstream.proto.inference.ModelInferResponse;
import io.alexstream.proto.inference.ModelInferResponse.InferOutputTensor;
import io.alexstream.proto.v1.ClassScore;
import io.alexstream.proto.v1.Prediction;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the answers of one request as the protocol's outputs: {@value OipModel#OUTPUT_PROBABILITIES} FP32
 * [N, classes] and, for an output requested with the {@value OipModel#CLASSIFICATION} parameter k, BYTES [N, k] of
 * {@code "<probability>:<index>:<label>"}, best first (the classification extension). Outputs are raw
 * ({@code raw_output_contents}) when the request's inputs were raw, typed ({@code contents}) otherwise.
 */
public final class InferOutputs {

    private InferOutputs() {}

    /** Checks the requested outputs before any image is classified. */
    public static void check(ModelInferRequest request, int classes) {
        for (InferRequestedOutputTensor output : request.getOutputsList()) {
            if (!output.getName().equals(OipModel.OUTPUT_PROBABILITIES)) {
                throw InferInputs.invalid(
                        "unknown output '%s': this model gives %s", output.getName(), OipModel.OUTPUT_PROBABILITIES);
            }
            topK(output, classes);
        }
    }

    /**
     * The outputs for one prediction per image, in order, each scoring every one of the {@code classes} classes best
     * first (as the engine ranks them): the probabilities by class index, the classification extension's top k as
     * ranked.
     */
    public static void write(
            ModelInferRequest request, List<Prediction> predictions, int classes, ModelInferResponse.Builder response) {
        boolean raw = request.getRawInputContentsCount() > 0;
        List<InferRequestedOutputTensor> requested = request.getOutputsList().isEmpty()
                ? List.of(InferRequestedOutputTensor.newBuilder()
                        .setName(OipModel.OUTPUT_PROBABILITIES)
                        .build())
                : request.getOutputsList();
        for (InferRequestedOutputTensor output : requested) {
            int k = topK(output, classes);
            InferOutputTensor.Builder tensor = InferOutputTensor.newBuilder().setName(output.getName());
            if (k == 0) {
                tensor.setDatatype("FP32").addShape(predictions.size()).addShape(classes);
                float[] probabilities = new float[predictions.size() * classes];
                for (int image = 0; image < predictions.size(); image++) {
                    for (ClassScore score : predictions.get(image).getTopList()) {
                        probabilities[image * classes + score.getIndex()] = score.getProbability();
                    }
                }
                if (raw) {
                    ByteBuffer bytes = ByteBuffer.allocate(probabilities.length * Float.BYTES)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(probabilities);
                    response.addRawOutputContents(ByteString.copyFrom(bytes.array()));
                } else {
                    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                    for (float v : probabilities) {
                        contents.addFp32Contents(v);
                    }
                    tensor.setContents(contents);
                }
            } else {
                tensor.setDatatype("BYTES").addShape(predictions.size()).addShape(k);
                List<byte[]> labels = new ArrayList<>();
                for (Prediction prediction : predictions) {
                    prediction.getTopList().stream()
                            .limit(k)
                            .forEach(score -> labels.add(String.format(
                                            Locale.ROOT,
                                            "%f:%d:%s",
                                            score.getProbability(),
                                            score.getIndex(),
                                            score.getName())
                                    .getBytes(StandardCharsets.UTF_8)));
                }
                if (raw) {
                    response.addRawOutputContents(ByteString.copyFrom(rawBytes(labels)));
                } else {
                    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                    labels.forEach(l -> contents.addBytesContents(ByteString.copyFrom(l)));
                    tensor.setContents(contents);
                }
            }
            response.addOutputs(tensor);
        }
    }

    /** k of the classification extension, or 0 for the probabilities themselves. */
    static int topK(InferRequestedOutputTensor output, int classes) {
        InferParameter parameter = output.getParametersOrDefault(OipModel.CLASSIFICATION, null);
        if (parameter == null) {
            return 0;
        }
        long k = switch (parameter.getParameterChoiceCase()) {
            case INT64_PARAM -> parameter.getInt64Param();
            case UINT64_PARAM -> parameter.getUint64Param();
            default -> -1;
        };
        if (k < 1 || k > classes) {
            throw InferInputs.invalid(
                    "parameter classification of output '%s' must be an integer from 1 to %d",
                    output.getName(), classes);
        }
        return (int) k;
    }

    /** BYTES elements in raw form: each a 4-byte little-endian length and its bytes. */
    static byte[] rawBytes(List<byte[]> elements) {
        int size = elements.stream().mapToInt(e -> 4 + e.length).sum();
        ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        elements.forEach(e -> buffer.putInt(e.length).put(e));
        return buffer.array();
    }
}

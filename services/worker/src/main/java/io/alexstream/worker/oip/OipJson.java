package io.alexstream.worker.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.alexstream.proto.inference.InferParameter;
import io.alexstream.proto.inference.InferTensorContents;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferResponse;
import io.alexstream.proto.inference.ModelMetadataResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * The protocol's HTTP/REST JSON forms, to and from the gRPC messages, so both transports run one code path. A BYTES
 * element in JSON is a string (its UTF-8 bytes) or {@code {"b64": "<base64>"}} (binary, e.g. an image file), as
 * OpenVINO Model Server takes it; FP32 data is a flat or nested array of numbers in row-major order.
 */
final class OipJson {

    private final ObjectMapper mapper;

    OipJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ModelInferRequest request(String model, String version, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw InferInputs.invalid("the body must be a JSON object with \"inputs\"");
        }
        ModelInferRequest.Builder request =
                ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version == null ? "" : version);
        if (body.hasNonNull("id")) {
            request.setId(body.get("id").asText());
        }
        for (JsonNode input : array(body, "inputs")) {
            ModelInferRequest.InferInputTensor.Builder tensor = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(text(input, "name"))
                    .setDatatype(text(input, "datatype"));
            for (JsonNode dim : array(input, "shape")) {
                if (!dim.canConvertToLong()) {
                    throw InferInputs.invalid("input '%s': shape holds %s", tensor.getName(), dim);
                }
                tensor.addShape(dim.asLong());
            }
            parameters(input.get("parameters")).forEach(tensor::putParameters);
            InferTensorContents.Builder contents = InferTensorContents.newBuilder();
            JsonNode data = input.get("data");
            if (data == null) {
                throw InferInputs.invalid("input '%s' has no \"data\"", tensor.getName());
            }
            flatten(tensor.getName(), tensor.getDatatype(), data, contents);
            request.addInputs(tensor.setContents(contents));
        }
        if (body.has("outputs")) {
            for (JsonNode output : array(body, "outputs")) {
                ModelInferRequest.InferRequestedOutputTensor.Builder tensor =
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                .setName(text(output, "name"));
                parameters(output.get("parameters")).forEach(tensor::putParameters);
                request.addOutputs(tensor);
            }
        }
        return request.build();
    }

    ObjectNode response(ModelInferResponse response) {
        ObjectNode json = mapper.createObjectNode()
                .put("model_name", response.getModelName())
                .put("model_version", response.getModelVersion())
                .put("id", response.getId());
        ArrayNode outputs = json.putArray("outputs");
        for (ModelInferResponse.InferOutputTensor output : response.getOutputsList()) {
            ObjectNode tensor =
                    outputs.addObject().put("name", output.getName()).put("datatype", output.getDatatype());
            ArrayNode shape = tensor.putArray("shape");
            output.getShapeList().forEach(shape::add);
            ArrayNode data = tensor.putArray("data");
            output.getContents().getFp32ContentsList().forEach(data::add);
            output.getContents().getBytesContentsList().forEach(b -> data.add(b.toString(StandardCharsets.UTF_8)));
        }
        return json;
    }

    ObjectNode metadata(ModelMetadataResponse metadata) {
        ObjectNode json = mapper.createObjectNode().put("name", metadata.getName());
        ArrayNode versions = json.putArray("versions");
        metadata.getVersionsList().forEach(versions::add);
        json.put("platform", metadata.getPlatform());
        tensors(json.putArray("inputs"), metadata.getInputsList());
        tensors(json.putArray("outputs"), metadata.getOutputsList());
        return json;
    }

    ObjectNode object() {
        return mapper.createObjectNode();
    }

    ObjectNode error(String message) {
        return mapper.createObjectNode().put("error", message);
    }

    private void tensors(ArrayNode array, java.util.List<ModelMetadataResponse.TensorMetadata> tensors) {
        for (ModelMetadataResponse.TensorMetadata t : tensors) {
            ObjectNode tensor = array.addObject().put("name", t.getName()).put("datatype", t.getDatatype());
            ArrayNode shape = tensor.putArray("shape");
            t.getShapeList().forEach(shape::add);
        }
    }

    private static void flatten(String name, String datatype, JsonNode data, InferTensorContents.Builder contents) {
        if (data.isArray()) {
            for (JsonNode element : data) {
                flatten(name, datatype, element, contents);
            }
            return;
        }
        if (datatype.equals("FP32")) {
            if (!data.isNumber()) {
                throw InferInputs.invalid("input '%s' is FP32 but holds %s", name, abbreviated(data));
            }
            contents.addFp32Contents(data.floatValue());
        } else if (datatype.equals("BYTES")) {
            if (data.isTextual()) {
                contents.addBytesContents(ByteString.copyFromUtf8(data.asText()));
            } else if (data.isObject() && data.has("b64") && data.get("b64").isTextual()) {
                try {
                    contents.addBytesContents(ByteString.copyFrom(
                            Base64.getDecoder().decode(data.get("b64").asText())));
                } catch (IllegalArgumentException e) {
                    throw InferInputs.invalid("input '%s': \"b64\" is not base64 (%s)", name, e.getMessage());
                }
            } else {
                throw InferInputs.invalid(
                        "input '%s' is BYTES: each element a string or {\"b64\": ...}, got %s",
                        name, abbreviated(data));
            }
        } else {
            throw InferInputs.invalid("input '%s' has datatype '%s'; this model takes BYTES or FP32", name, datatype);
        }
    }

    private static Map<String, InferParameter> parameters(JsonNode node) {
        Map<String, InferParameter> parameters = new java.util.LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return parameters;
        }
        if (!node.isObject()) {
            throw InferInputs.invalid("\"parameters\" must be an object");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            InferParameter.Builder parameter = InferParameter.newBuilder();
            if (value.isBoolean()) {
                parameter.setBoolParam(value.asBoolean());
            } else if (value.isIntegralNumber()) {
                parameter.setInt64Param(value.asLong());
            } else if (value.isNumber()) {
                parameter.setDoubleParam(value.asDouble());
            } else {
                parameter.setStringParam(value.asText());
            }
            parameters.put(field.getKey(), parameter.build());
        }
        return parameters;
    }

    private static Iterable<JsonNode> array(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw InferInputs.invalid("\"%s\" must be an array", field);
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw InferInputs.invalid("\"%s\" must be a string", field);
        }
        return value.asText();
    }

    private static String abbreviated(JsonNode node) {
        String text = node.toString();
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}

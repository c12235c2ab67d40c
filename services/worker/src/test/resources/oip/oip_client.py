"""A stock Open Inference Protocol client: stubs generated at test time from the shipped
grpc_predict_v2.proto with grpc_tools, nothing of alexstream's. Calls every RPC and prints one
JSON object of what it got.

usage: oip_client.py <generated-dir> <host:port> <model> <image file> <pixels file> <height> <width>
(the pixels file: float32 little-endian [1, height, width, 3])
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pb_grpc  # noqa: E402

address, model, image_file, pixels_file = sys.argv[2:6]
height, width = int(sys.argv[6]), int(sys.argv[7])
image = open(image_file, "rb").read()
pixels = open(pixels_file, "rb").read()

stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(address))
out = {
    "live": stub.ServerLive(pb.ServerLiveRequest()).live,
    "ready": stub.ServerReady(pb.ServerReadyRequest()).ready,
    "model_ready": stub.ModelReady(pb.ModelReadyRequest(name=model)).ready,
}
server = stub.ServerMetadata(pb.ServerMetadataRequest())
out["server"] = {"name": server.name, "extensions": list(server.extensions)}
metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name=model))
out["inputs"] = [[t.name, t.datatype, list(t.shape)] for t in metadata.inputs]
out["outputs"] = [[t.name, t.datatype, list(t.shape)] for t in metadata.outputs]

typed = pb.ModelInferRequest(model_name=model, inputs=[pb.ModelInferRequest.InferInputTensor(
    name="images", datatype="BYTES", shape=[1], contents=pb.InferTensorContents(bytes_contents=[image]))])
response = stub.ModelInfer(typed)
out["version"] = response.model_version
out["typed"] = list(response.outputs[0].contents.fp32_contents)

raw = pb.ModelInferRequest(model_name=model, inputs=[pb.ModelInferRequest.InferInputTensor(
    name="images", datatype="BYTES", shape=[1])], raw_input_contents=[struct.pack("<I", len(image)) + image])
raw_response = stub.ModelInfer(raw)
data = raw_response.raw_output_contents[0]
out["raw"] = list(struct.unpack("<%df" % (len(data) // 4), data))

from_pixels = stub.ModelInfer(pb.ModelInferRequest(model_name=model, inputs=[pb.ModelInferRequest.InferInputTensor(
    name="pixels", datatype="FP32", shape=[1, height, width, 3])], raw_input_contents=[pixels]))
data = from_pixels.raw_output_contents[0]
out["pixels"] = list(struct.unpack("<%df" % (len(data) // 4), data))

top = stub.ModelInfer(pb.ModelInferRequest(
    model_name=model,
    inputs=[typed.inputs[0]],
    outputs=[pb.ModelInferRequest.InferRequestedOutputTensor(
        name="probabilities", parameters={"classification": pb.InferParameter(int64_param=2)})]))
out["classification"] = [b.decode() for b in top.outputs[0].contents.bytes_contents]

try:
    stub.ModelInfer(pb.ModelInferRequest(model_name="resnet"))
    out["unknown_model"] = "OK"
except grpc.RpcError as e:
    out["unknown_model"] = e.code().name + ": " + e.details()
print(json.dumps(out))

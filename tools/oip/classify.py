#!/usr/bin/python3
"""Classify image files with the Open Inference Protocol, as any stock client would.

The gRPC stubs are generated on the fly from the shipped grpc_predict_v2.proto with grpc_tools
(Debian: python3-grpcio, python3-grpc-tools); no alexstream code is used. Prints, per file, the
top classes as "<probability>:<index>:<label>" and the model version that answered.

  tools/oip/classify.py [--grpc localhost:9081 | --http http://localhost:8081] [--top 5] FILE...
"""
import argparse
import base64
import json
import os
import sys
import tempfile
import urllib.request

PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "..", "..", "libs", "proto", "src", "main", "proto", "inference")


def over_grpc(address, model, files, top):
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="oip-")
    if protoc.main(["protoc", "-I" + PROTO, "--python_out=" + out, "--grpc_python_out=" + out,
                    os.path.join(PROTO, "grpc_predict_v2.proto")]) != 0:
        sys.exit("protoc failed on " + PROTO)
    sys.path.insert(0, out)
    import grpc
    import grpc_predict_v2_pb2 as pb
    import grpc_predict_v2_pb2_grpc as pb_grpc
    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(address))
    request = pb.ModelInferRequest(
        model_name=model,
        inputs=[pb.ModelInferRequest.InferInputTensor(
            name="images", datatype="BYTES", shape=[len(files)],
            contents=pb.InferTensorContents(bytes_contents=[open(f, "rb").read() for f in files]))],
        outputs=[pb.ModelInferRequest.InferRequestedOutputTensor(
            name="probabilities", parameters={"classification": pb.InferParameter(int64_param=top)})])
    response = stub.ModelInfer(request)
    labels = [b.decode() for b in response.outputs[0].contents.bytes_contents]
    return response.model_version, labels


def over_http(base, model, files, top):
    body = {"inputs": [{"name": "images", "datatype": "BYTES", "shape": [len(files)],
                        "data": [{"b64": base64.b64encode(open(f, "rb").read()).decode()} for f in files]}],
            "outputs": [{"name": "probabilities", "parameters": {"classification": top}}]}
    request = urllib.request.Request(base.rstrip("/") + "/v2/models/" + model + "/infer",
                                     data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    response = json.load(urllib.request.urlopen(request))
    return response["model_version"], response["outputs"][0]["data"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grpc", default=None, help="host:port of a worker's gRPC server")
    parser.add_argument("--http", default=None, help="base URL of a worker's HTTP server")
    parser.add_argument("--model", default="alexnet")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.http:
        version, labels = over_http(args.http, args.model, args.files, args.top)
    else:
        version, labels = over_grpc(args.grpc or "localhost:9081", args.model, args.files, args.top)
    for i, f in enumerate(args.files):
        print("%s  version %s  %s" % (f, version, "  ".join(labels[i * args.top:(i + 1) * args.top])))


if __name__ == "__main__":
    main()

package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.WeightsChunk;
import io.grpc.MethodDescriptor.MethodType;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. The contracts in proto/ compile with protoc and the gRPC generator, and
 * the RPCs have the shapes the services rely on.
 */
class ProtoContractTest {

    @Test
    void classifierIsUnaryPlusBidirectional() {
        assertThat(ClassifierGrpc.SERVICE_NAME).isEqualTo("alexstream.v1.Classifier");
        assertThat(ClassifierGrpc.getClassifyMethod().getType()).isEqualTo(MethodType.UNARY);
        assertThat(ClassifierGrpc.getClassifyStreamMethod().getType()).isEqualTo(MethodType.BIDI_STREAMING);
    }

    @Test
    void weightsArePushedAsAClientStreamOfChunksAndPulledAsAServerStream() {
        assertThat(ModelReceiverGrpc.getPushWeightsMethod().getType()).isEqualTo(MethodType.CLIENT_STREAMING);
        assertThat(ModelRegistryGrpc.getPullWeightsMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
        WeightsChunk data = WeightsChunk.newBuilder()
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2}))
                .build();
        assertThat(data.getPartCase()).isEqualTo(WeightsChunk.PartCase.DATA);
    }

    @Test
    void aRequestRoundTripsThroughTheWireFormat() throws Exception {
        ClassifyRequest request = ClassifyRequest.newBuilder()
                .setImageId("img-1")
                .setTopK(5)
                .setImage(com.google.protobuf.ByteString.copyFromUtf8("bytes"))
                .build();
        assertThat(ClassifyRequest.parseFrom(request.toByteArray())).isEqualTo(request);
    }
}

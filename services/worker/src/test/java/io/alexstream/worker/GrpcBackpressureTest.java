package io.alexstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.alexstream.proto.v1.ClassifyRequest;
import io.alexstream.proto.v1.ClassifyResponse;
import io.alexstream.testing.images.EncodedImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tier: integration over a real gRPC socket. With a two-image queue and one image per
 * session run, a burst of concurrent Classify calls overflows the queue: the overflow is
 * RESOURCE_EXHAUSTED at once, everything else is answered, and no call hangs.
 */
@QuarkusTest
@TestProfile(GrpcBackpressureTest.TinyQueue.class)
@QuarkusTestResource(value = WorkerTestResources.class, restrictToAnnotatedClass = true)
class GrpcBackpressureTest {

    static final int CALLS = 48;

    public static class TinyQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("alexstream.worker.queue-capacity", "2", "alexstream.worker.max-batch", "1");
        }
    }

    @GrpcClient("classifier")
    io.grpc.Channel channel;

    @Test
    void aFullQueueIsResourceExhaustedAndNothingHangs() throws Exception {
        ClassifierGrpc.ClassifierFutureStub classifier = ClassifierGrpc.newFutureStub(channel);
        ClassifyRequest request = ClassifyRequest.newBuilder()
                .setImage(ByteString.copyFrom(png(200, 160)))
                .build();
        List<ListenableFuture<ClassifyResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(classifier.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request));
        }
        Map<Status.Code, Integer> outcomes = new EnumMap<>(Status.Code.class);
        for (ListenableFuture<ClassifyResponse> call : calls) {
            try {
                ClassifyResponse response = call.get(90, TimeUnit.SECONDS);
                assertThat(response.getPrediction().getTopCount()).isPositive();
                outcomes.merge(Status.Code.OK, 1, Integer::sum);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
                StatusRuntimeException failure = (StatusRuntimeException) e.getCause();
                outcomes.merge(failure.getStatus().getCode(), 1, Integer::sum);
                if (failure.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    assertThat(failure.getStatus().getDescription()).contains("queue");
                }
            }
        }
        assertThat(outcomes.keySet())
                .as("outcomes %s", outcomes)
                .containsOnly(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
        assertThat(outcomes.get(Status.Code.RESOURCE_EXHAUSTED))
                .as("outcomes %s", outcomes)
                .isPositive();
        assertThat(outcomes.get(Status.Code.OK)).as("outcomes %s", outcomes).isPositive();
    }

    private static byte[] png(int w, int h) {
        return EncodedImages.png(w, h, 3, 3, 0x446688);
    }
}

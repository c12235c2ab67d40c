package io.alexstream.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tier: unit. Who gets through the interceptor, and with which status the others are stopped. */
class CallerAuthInterceptorTest {

    static final String TRAINER = "trainer-token-0123456789";
    static final String WORKER = "worker-token-0123456789";
    static final String PUSH = "alexstream.v1.ModelReceiver/PushWeights";

    final CallerAuthInterceptor interceptor = new CallerAuthInterceptor(
            new BearerTokens(Map.of(Role.TRAINER, TRAINER, Role.WORKER, WORKER)), Map.of(PUSH, Set.of(Role.TRAINER)));

    @Test
    void theRightRolePassesThrough() {
        RecordingCall call = call(PUSH);
        assertThat(intercept(call, "Bearer " + TRAINER)).isTrue();
        assertThat(call.closedWith).isNull();
    }

    @Test
    void noTokenOrAWrongOneIsUnauthenticated() {
        for (String header : new String[] {null, "Bearer not-a-token-at-all", TRAINER, "Basic " + TRAINER}) {
            RecordingCall call = call(PUSH);
            assertThat(intercept(call, header)).as(header).isFalse();
            assertThat(call.closedWith.getCode()).as(header).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
    }

    @Test
    void anotherRolesTokenIsPermissionDenied() {
        RecordingCall call = call(PUSH);
        assertThat(intercept(call, "Bearer " + WORKER)).isFalse();
        assertThat(call.closedWith.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(call.closedWith.getDescription()).contains("worker").contains("PushWeights");
    }

    @Test
    void unlistedMethodsStayOpen() {
        RecordingCall call = call("alexstream.v1.Classifier/Classify");
        assertThat(intercept(call, null)).isTrue();
    }

    @Test
    void shortOrSharedTokensAreRefusedAtStartUp() {
        assertThatThrownBy(() -> new BearerTokens(Map.of(Role.TRAINER, "short")))
                .hasMessageContaining("shorter");
        assertThatThrownBy(() -> new BearerTokens(Map.of(Role.TRAINER, TRAINER, Role.OPERATOR, TRAINER)))
                .hasMessageContaining("share");
        assertThat(BearerTokens.generate()).hasSize(64).isNotEqualTo(BearerTokens.generate());
    }

    private boolean intercept(RecordingCall call, String authorization) {
        Metadata headers = new Metadata();
        if (authorization != null) {
            headers.put(CallerAuthInterceptor.AUTHORIZATION, authorization);
        }
        boolean[] reached = new boolean[1];
        interceptor.interceptCall(call, headers, (c, h) -> {
            reached[0] = true;
            return new ServerCall.Listener<>() {};
        });
        return reached[0];
    }

    private static RecordingCall call(String fullMethod) {
        MethodDescriptor.Marshaller<String> marshaller = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(String value) {
                return new ByteArrayInputStream(value.getBytes());
            }

            @Override
            public String parse(InputStream stream) {
                return "";
            }
        };
        return new RecordingCall(MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullMethod)
                .setRequestMarshaller(marshaller)
                .setResponseMarshaller(marshaller)
                .build());
    }

    static final class RecordingCall extends ServerCall<String, String> {
        final MethodDescriptor<String, String> method;
        Status closedWith;

        RecordingCall(MethodDescriptor<String, String> method) {
            this.method = method;
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void sendHeaders(Metadata headers) {}

        @Override
        public void sendMessage(String message) {}

        @Override
        public void close(Status status, Metadata trailers) {
            closedWith = status;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return method;
        }
    }
}

package io.alexstream.auth;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/** The client side: attaches {@code authorization: Bearer <token>} to every call. */
public final class BearerCredentials extends CallCredentials {

    private final String token;

    public BearerCredentials(String token) {
        this.token = token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(CallerAuthInterceptor.AUTHORIZATION, "Bearer " + token);
        applier.apply(headers);
    }
}

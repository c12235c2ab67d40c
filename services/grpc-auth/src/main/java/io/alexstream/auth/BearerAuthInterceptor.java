package io.alexstream.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks {@code authorization: Bearer <token>} on the gRPC methods listed in
 * {@code requiredRoles} (full method names such as {@code alexstream.v1.ModelReceiver/PushWeights}).
 * No or an unknown token: UNAUTHENTICATED. A known token of a role the method does not allow:
 * PERMISSION_DENIED. Either way the call is closed before the handler sees a single message,
 * so nothing changes. Methods not listed (Classify, health, reflection) stay open.
 */
public final class BearerAuthInterceptor implements ServerInterceptor {

    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String PREFIX = "Bearer ";

    private final BearerTokens tokens;
    private final Map<String, Set<Role>> requiredRoles;

    public BearerAuthInterceptor(BearerTokens tokens, Map<String, Set<Role>> requiredRoles) {
        this.tokens = tokens;
        this.requiredRoles = Map.copyOf(requiredRoles);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Set<Role> allowed = requiredRoles.get(call.getMethodDescriptor().getFullMethodName());
        if (allowed == null) {
            return next.startCall(call, headers);
        }
        String header = headers.get(AUTHORIZATION);
        Optional<Role> role = header != null && header.startsWith(PREFIX)
                ? tokens.roleOf(header.substring(PREFIX.length()).trim()) : Optional.empty();
        if (role.isEmpty()) {
            call.close(Status.UNAUTHENTICATED.withDescription(header == null
                    ? "this call needs an authorization: Bearer <token> header"
                    : "the bearer token is not valid"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (!allowed.contains(role.get())) {
            call.close(Status.PERMISSION_DENIED.withDescription("role " + role.get().name().toLowerCase()
                    + " may not call " + call.getMethodDescriptor().getBareMethodName()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }
}

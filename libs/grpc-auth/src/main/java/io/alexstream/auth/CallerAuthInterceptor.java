package io.alexstream.auth;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the caller's role on the gRPC methods listed in {@code requiredRoles} (full method names
 * such as {@code alexstream.v1.ModelReceiver/PushWeights}): from a client certificate that the
 * TLS handshake verified against the server's trust store, whose subject CN is configured for a
 * role ({@link CertificateRoles}), or else from {@code authorization: Bearer <token>}.
 * Neither: UNAUTHENTICATED; an unknown token: UNAUTHENTICATED; a verified certificate whose CN
 * has no role, or a role the method does not allow: PERMISSION_DENIED. Either way the call is
 * closed before the handler sees a single message, so nothing changes. Methods not listed
 * (Classify, health, reflection) stay open.
 */
public final class CallerAuthInterceptor implements ServerInterceptor {

    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String PREFIX = "Bearer ";

    private final BearerTokens tokens;
    private final CertificateRoles certificates;
    private final Map<String, Set<Role>> requiredRoles;

    public CallerAuthInterceptor(BearerTokens tokens, Map<String, Set<Role>> requiredRoles) {
        this(tokens, CertificateRoles.none(), requiredRoles);
    }

    public CallerAuthInterceptor(
            BearerTokens tokens, CertificateRoles certificates, Map<String, Set<Role>> requiredRoles) {
        this.tokens = tokens;
        this.certificates = certificates;
        this.requiredRoles = Map.copyOf(requiredRoles);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Set<Role> allowed = requiredRoles.get(call.getMethodDescriptor().getFullMethodName());
        if (allowed == null) {
            return next.startCall(call, headers);
        }
        Optional<String> commonName =
                CertificateRoles.peerCommonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        Optional<Role> role = commonName.flatMap(certificates::roleOf);
        String header = headers.get(AUTHORIZATION);
        if (role.isEmpty() && header != null) {
            role = header.startsWith(PREFIX)
                    ? tokens.roleOf(header.substring(PREFIX.length()).trim())
                    : Optional.empty();
            if (role.isEmpty()) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("the bearer token is not valid"));
            }
        }
        if (role.isEmpty()) {
            return refuse(
                    call,
                    commonName.isPresent()
                            ? Status.PERMISSION_DENIED.withDescription(
                                    "the client certificate CN=" + commonName.get() + " has no role here")
                            : Status.UNAUTHENTICATED.withDescription(
                                    "this call needs a client certificate or an authorization: Bearer <token> header"));
        }
        if (!allowed.contains(role.get())) {
            return refuse(
                    call,
                    Status.PERMISSION_DENIED.withDescription(
                            "role " + role.get().name().toLowerCase() + " may not call "
                                    + call.getMethodDescriptor().getBareMethodName()));
        }
        return next.startCall(call, headers);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}

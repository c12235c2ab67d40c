package io.alexstream.worker.security;

import io.alexstream.auth.CallerAuthInterceptor;
import io.alexstream.proto.inference.GRPCInferenceServiceGrpc;
import io.alexstream.proto.v1.ClassifierGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Classification over gRPC ({@code Classify}, {@code ClassifyStream}, the Open Inference Protocol's {@code ModelInfer})
 * follows {@link CallerToken}; every other call is left to {@link ModelManagementAuth} and the services themselves.
 */
@ApplicationScoped
@GlobalInterceptor
public class ClassificationAuth implements ServerInterceptor {

    static final Set<String> CLASSIFICATION_METHODS = Set.of(
            ClassifierGrpc.getClassifyMethod().getFullMethodName(),
            ClassifierGrpc.getClassifyStreamMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());

    private final CallerToken token;

    public ClassificationAuth(CallerToken token) {
        this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (token.required()
                && CLASSIFICATION_METHODS.contains(call.getMethodDescriptor().getFullMethodName())
                && !token.admits(headers.get(CallerAuthInterceptor.AUTHORIZATION))) {
            call.close(Status.UNAUTHENTICATED.withDescription(CallerToken.REFUSAL), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }
}

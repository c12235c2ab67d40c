package io.alexstream.trainer.security;

import io.alexstream.auth.BearerTokens;
import io.alexstream.auth.CallerAuthInterceptor;
import io.alexstream.auth.CertificateRoles;
import io.alexstream.auth.Role;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.trainer.config.AuthConfig;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Locks the trainer's registry: workers (their token or client certificate) register and pull;
 * operators roll back and trigger rounds; any known credential reads the rollout status.
 */
@ApplicationScoped
@GlobalInterceptor
public class ModelManagementAuth implements ServerInterceptor {

    private final CallerAuthInterceptor delegate;

    public ModelManagementAuth(AuthConfig config) {
        BearerTokens known = BearerTokens.of(Optional.empty(), config.workerToken(), config.operatorToken());
        CertificateRoles certificates =
                CertificateRoles.of(Optional.empty(), config.workerCertificateName(), config.operatorCertificateName());
        delegate = new CallerAuthInterceptor(
                known,
                certificates,
                Map.of(
                        ModelRegistryGrpc.getRegisterWorkerMethod().getFullMethodName(), Set.of(Role.WORKER),
                        ModelRegistryGrpc.getPullWeightsMethod().getFullMethodName(), Set.of(Role.WORKER),
                        ModelRegistryGrpc.getGetRolloutStatusMethod().getFullMethodName(), Set.of(Role.values()),
                        ModelRegistryGrpc.getRollbackMethod().getFullMethodName(), Set.of(Role.OPERATOR),
                        ModelRegistryGrpc.getTriggerRoundMethod().getFullMethodName(), Set.of(Role.OPERATOR)));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return delegate.interceptCall(call, headers, next);
    }
}

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
import java.util.Set;

/**
 * Locks the trainer's registry: workers (their token or client certificate) register and pull;
 * operators roll back and trigger rounds; release managers force-promote; any known credential reads the rollout
 * status.
 */
@ApplicationScoped
@GlobalInterceptor
public class ModelManagementAuth implements ServerInterceptor {

    private final CallerAuthInterceptor delegate;

    public ModelManagementAuth(AuthConfig config) {
        BearerTokens known = BearerTokens.of(Map.of(
                Role.WORKER, config.workerToken(),
                Role.OPERATOR, config.operatorToken(),
                Role.RELEASE_MANAGER, config.releaseManagerToken()));
        CertificateRoles certificates = CertificateRoles.of(Map.of(
                Role.WORKER, config.workerCertificateName(),
                Role.OPERATOR, config.operatorCertificateName(),
                Role.RELEASE_MANAGER, config.releaseManagerCertificateName()));
        delegate = new CallerAuthInterceptor(
                known,
                certificates,
                Map.of(
                        ModelRegistryGrpc.getRegisterWorkerMethod().getFullMethodName(), Set.of(Role.WORKER),
                        ModelRegistryGrpc.getPullWeightsMethod().getFullMethodName(), Set.of(Role.WORKER),
                        ModelRegistryGrpc.getGetRolloutStatusMethod().getFullMethodName(), Set.of(Role.values()),
                        ModelRegistryGrpc.getRollbackMethod().getFullMethodName(), Set.of(Role.OPERATOR),
                        ModelRegistryGrpc.getTriggerRoundMethod().getFullMethodName(), Set.of(Role.OPERATOR),
                        // the gate is the operators' safety net: skipping it is a separate, rarer permission
                        ModelRegistryGrpc.getForcePromoteMethod().getFullMethodName(), Set.of(Role.RELEASE_MANAGER)));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return delegate.interceptCall(call, headers, next);
    }
}

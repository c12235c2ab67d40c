package io.alexstream.worker.security;

import io.alexstream.auth.BearerTokens;
import io.alexstream.auth.CallerAuthInterceptor;
import io.alexstream.auth.CertificateRoles;
import io.alexstream.auth.Role;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.worker.config.AuthConfig;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Locks the worker's model-management door: only the trainer role (a token, or a client
 * certificate over mutual TLS) may push weights, and by default no worker is given one: the
 * trainer's rollouts call Sync, which is open and carries nothing, and the worker pulls with its
 * own credential. Status needs any known credential. Classify, Sync, health and reflection stay open.
 */
@ApplicationScoped
@GlobalInterceptor
public class ModelManagementAuth implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(ModelManagementAuth.class);

    private final CallerAuthInterceptor delegate;

    public ModelManagementAuth(AuthConfig config) {
        BearerTokens known = BearerTokens.of(config.trainerToken(), config.workerToken(), config.operatorToken());
        CertificateRoles certificates = CertificateRoles.of(
                config.trainerCertificateName(), config.workerCertificateName(), config.operatorCertificateName());
        if (!known.isConfigured(Role.TRAINER) && !certificates.isConfigured(Role.TRAINER)) {
            LOG.info("no trainer token and no trainer certificate name configured: direct weights pushes are refused; "
                    + "rollouts reach this worker through Sync and its own pull");
        }
        delegate = new CallerAuthInterceptor(
                known,
                certificates,
                Map.of(
                        ModelReceiverGrpc.getPushWeightsMethod().getFullMethodName(), Set.of(Role.TRAINER),
                        ModelReceiverGrpc.getGetServingStatusMethod().getFullMethodName(), Set.of(Role.values())));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return delegate.interceptCall(call, headers, next);
    }
}

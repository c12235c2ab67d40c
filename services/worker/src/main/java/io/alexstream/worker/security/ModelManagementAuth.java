package io.alexstream.worker.security;

import io.alexstream.auth.CallerAuthInterceptor;
import io.alexstream.auth.BearerTokens;
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
 * Locks the worker's model-management door: only the trainer (its token, or its client
 * certificate over mutual TLS) may push weights; status needs any known credential. Classify,
 * health and reflection stay open.
 */
@ApplicationScoped
@GlobalInterceptor
public class ModelManagementAuth implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(ModelManagementAuth.class);

    private final CallerAuthInterceptor delegate;

    public ModelManagementAuth(AuthConfig config) {
        BearerTokens known = BearerTokens.of(config.trainerToken(), config.workerToken(), config.operatorToken());
        CertificateRoles certificates = CertificateRoles.of(config.trainerCertificateName(), config.workerCertificateName(),
                config.operatorCertificateName());
        if (!known.isConfigured(Role.TRAINER) && !certificates.isConfigured(Role.TRAINER)) {
            LOG.warn("no trainer token (alexstream.auth.trainer-token) and no trainer certificate name "
                    + "(alexstream.auth.trainer-certificate-name) configured: every weights push will be refused");
        }
        delegate = new CallerAuthInterceptor(known, certificates, Map.of(
                ModelReceiverGrpc.getPushWeightsMethod().getFullMethodName(), Set.of(Role.TRAINER),
                ModelReceiverGrpc.getGetServingStatusMethod().getFullMethodName(), Set.of(Role.values())));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return delegate.interceptCall(call, headers, next);
    }
}

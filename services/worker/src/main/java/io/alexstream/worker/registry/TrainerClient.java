package io.alexstream.worker.registry;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.auth.TlsChannels;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.PullRequest;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WorkerRegistration;
import io.alexstream.worker.config.AuthConfig;
import io.alexstream.worker.config.WorkerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This worker's side of {@code alexstream.v1.ModelRegistry}, over one channel: register (with
 * retries while the trainer starts, or once for a heartbeat) and pull a version's chunks.
 */
@ApplicationScoped
public class TrainerClient {

    private static final Logger LOG = Logger.getLogger(TrainerClient.class);

    private final WorkerConfig config;
    private final AuthConfig auth;
    private final String advertisedAddress;
    private ManagedChannel channel;

    public TrainerClient(
            WorkerConfig config, AuthConfig auth, @ConfigProperty(name = "quarkus.grpc.server.port") int grpcPort) {
        this.config = config;
        this.auth = auth;
        this.advertisedAddress = config.advertisedAddress().orElse("localhost:" + grpcPort);
    }

    public boolean configured() {
        return config.trainerAddress().isPresent();
    }

    /** Registers (retrying until the start-up budget runs out) and returns the trainer's current version. */
    public long register(long servedVersion) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.trainerSyncSeconds());
        while (true) {
            try {
                return registerOnce(servedVersion);
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                LOG.debugf("trainer not reachable yet: %s", e.getStatus());
                Thread.sleep(500);
            }
        }
    }

    /** One registration attempt, no retry (the periodic re-registration); returns the trainer's current version. */
    public long registerOnce(long servedVersion) {
        return stub().withDeadlineAfter(10, TimeUnit.SECONDS)
                .registerWorker(WorkerRegistration.newBuilder()
                        .setWorkerId(config.id())
                        .setAddress(advertisedAddress)
                        .setServingVersion(Math.max(0, servedVersion))
                        .setShadow(config.shadow())
                        .build())
                .getCurrentVersion();
    }

    /** The chunks of {@code version}, header first, as the trainer streams them; the receiver assembles them. */
    public Iterator<WeightsChunk> pull(long version) {
        return stub().withDeadlineAfter(5, TimeUnit.MINUTES)
                .pullWeights(PullRequest.newBuilder()
                        .setWorkerId(config.id())
                        .setVersion(version)
                        .build());
    }

    private synchronized ModelRegistryGrpc.ModelRegistryBlockingStub stub() {
        if (channel == null) {
            channel = TlsChannels.forTarget(
                    config.trainerAddress().orElseThrow(),
                    TlsChannels.ClientTls.fromSettings(
                            config.trainerTlsTrustCertificate(),
                            config.trainerTlsCertificate(),
                            config.trainerTlsKey()));
        }
        ModelRegistryGrpc.ModelRegistryBlockingStub stub =
                ModelRegistryGrpc.newBlockingStub(channel).withMaxInboundMessageSize(8 << 20);
        // over mutual TLS the worker's certificate is its credential and a token is optional
        return auth.workerToken()
                .map(token -> stub.withCallCredentials(new BearerCredentials(token)))
                .orElse(stub);
    }

    @PreDestroy
    void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}

package io.alexstream.trainer.rollout;

import io.alexstream.auth.TlsChannels;
import io.alexstream.proto.v1.ModelReceiverGrpc;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.proto.v1.SyncRequest;
import io.alexstream.trainer.config.TrainerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Asks one worker to {@code Sync} to a version and says how it went, within
 * {@link TrainerConfig#pushTimeout()}. The call carries no credential, so a worker's registered
 * address learns nothing secret; over TLS when {@link TrainerConfig#pushTlsTrustCertificate()} is
 * set. Every call is timed in {@code alexstream.trainer.push.duration} by worker and result.
 */
@Singleton
public class WorkerSyncClient {

    private static final Logger LOG = Logger.getLogger(WorkerSyncClient.class);

    /** What one Sync found: the outcome, the version the worker then serves, and a line for the status page. */
    record Answer(SyncOutcome outcome, long servingVersion, String result, double seconds) {}

    private final TrainerConfig config;
    private final MeterRegistry metrics;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** TLS to the workers' gRPC servers when a CA is configured; plaintext otherwise. No credential either way. */
    private final Optional<TlsChannels.ClientTls> tls;

    public WorkerSyncClient(TrainerConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
        this.tls = TlsChannels.ClientTls.fromSettings(
                config.pushTlsTrustCertificate(), config.pushTlsCertificate(), config.pushTlsKey());
    }

    /** Syncs {@code worker} to {@code version}; without an answer its serving version stays {@code serving}. */
    Answer sync(WorkerState worker, long version) {
        long started = System.nanoTime();
        SyncOutcome outcome;
        String result;
        long serving = worker.servingVersion();
        try {
            PushResult answer = ModelReceiverGrpc.newBlockingStub(channel(worker.address()))
                    .withDeadlineAfter(config.pushTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .sync(SyncRequest.newBuilder().setVersion(version).build());
            serving = answer.getServingVersion();
            outcome = serving == version ? SyncOutcome.CONVERGED : SyncOutcome.UNREACHABLE;
            result = outcome == SyncOutcome.CONVERGED
                    ? "ok"
                    : "still on version " + serving + ": " + answer.getMessage();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            outcome = SyncOutcome.ofFailure(code);
            result = outcome.metricResult() + ": " + code + ": " + e.getStatus().getDescription();
        } catch (RuntimeException e) {
            outcome = SyncOutcome.UNREACHABLE;
            result = "unreachable: " + e;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Timer.builder("alexstream.trainer.push.duration")
                .tags("worker", worker.id(), "result", outcome.metricResult())
                .register(metrics)
                .record(Duration.ofNanos((long) (seconds * 1e9)));
        if (outcome == SyncOutcome.CONVERGED) {
            LOG.infof(
                    "worker %s now serves version %d (sync, pull, validate and swap in %.2f s)",
                    worker.id(), version, seconds);
        } else {
            LOG.warnf("worker %s not on version %d: %s", worker.id(), version, result);
        }
        return new Answer(outcome, serving, result, seconds);
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> TlsChannels.forTarget(a, tls));
    }

    @PreDestroy
    void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}

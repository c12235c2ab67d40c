package io.alexstream.trainer.rollout;

import io.alexstream.auth.TlsChannels;
import io.alexstream.proto.v1.PushResult;
import io.alexstream.trainer.config.AuthConfig;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.training.VersionStore;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The workers the trainer knows (registered at their start-up, or listed in configuration)
 * and the rolling update: a version goes to one worker at a time; the next worker gets it
 * only after the previous one validated it, swapped and answered with the version it now
 * serves. A refusal stops the rollout there: the workers not yet reached keep their version,
 * and the state, log and metrics say which worker refused and why.
 */
@ApplicationScoped
public class RolloutService {

    private static final Logger LOG = Logger.getLogger(RolloutService.class);

    public enum State { IDLE, ROLLING_OUT, DONE, FAILED }

    /** One worker as the trainer sees it. */
    public record WorkerState(String id, String address, long servingVersion, String lastPushResult, double lastPushSeconds) {
    }

    private final TrainerConfig config;
    private final AuthConfig auth;
    private final MeterRegistry metrics;
    private final Map<String, WorkerState> workers = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final AtomicInteger stateCode = new AtomicInteger();
    private volatile State state = State.IDLE;
    private volatile String message = "";
    /** TLS to the workers' gRPC servers when a CA is configured; plaintext otherwise. */
    private final Optional<TlsChannels.ClientTls> pushTls;

    public RolloutService(TrainerConfig config, AuthConfig auth, MeterRegistry metrics) {
        this.config = config;
        this.auth = auth;
        this.metrics = metrics;
        this.pushTls = TlsChannels.ClientTls.fromSettings(config.pushTlsTrustCertificate(), config.pushTlsCertificate(),
                config.pushTlsKey());
        config.workers().ifPresent(list -> list.forEach(address -> workers.put(address, new WorkerState(address, address, -1, "", 0))));
        // alexstream_trainer_rollout_state: 0 idle, 1 rolling out, 2 done, 3 failed
        io.micrometer.core.instrument.Gauge.builder("alexstream.trainer.rollout.state", stateCode, AtomicInteger::get)
                .strongReference(true).register(metrics);
    }

    public void register(String id, String address, long servingVersion) {
        // a static entry for the same address is replaced by the worker's own name
        workers.values().removeIf(w -> w.address().equals(address) && !w.id().equals(id));
        WorkerState known = workers.get(id);
        if (known != null && known.address().equals(address)) {
            // the periodic re-registration: keep the last push result, take the worker's word on its version
            workers.put(id, new WorkerState(id, address, servingVersion, known.lastPushResult(), known.lastPushSeconds()));
            LOG.debugf("worker %s registered again at %s, serving version %d", id, address, servingVersion);
            return;
        }
        workers.put(id, new WorkerState(id, address, servingVersion, "registered", 0));
        LOG.infof("worker %s registered at %s, serving version %d", id, address, servingVersion);
    }

    public List<WorkerState> workers() {
        List<WorkerState> list = new ArrayList<>(workers.values());
        list.sort(java.util.Comparator.comparing(WorkerState::id));
        return list;
    }

    public State state() {
        return state;
    }

    public String message() {
        return message;
    }

    /**
     * Pushes {@code version} to every known worker not already serving it, one at a time.
     *
     * @return true when every worker now serves it
     */
    public synchronized boolean rollOut(VersionStore versions, long version, boolean rollback) {
        long parent = versions.metadata(version).map(m -> m.parentVersion() == null ? 0L : m.parentVersion()).orElse(0L);
        setState(State.ROLLING_OUT, "rolling out version " + version + (rollback ? " (rollback)" : ""));
        for (WorkerState worker : workers()) {
            if (worker.servingVersion() == version) {
                continue;
            }
            long started = System.nanoTime();
            String outcome;
            long serving = worker.servingVersion();
            try {
                PushResult result = WeightsPusher.push(channel(worker.address()), auth.trainerToken().orElse(""), versions.file(version),
                                version, parent, config.profile(), rollback, config.pushChunkBytes(), config.pushTimeout())
                        .get(config.pushTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
                outcome = result.getAccepted() && result.getServingVersion() == version ? "ok" : "refused: " + result.getMessage();
                if (result.getAccepted()) {
                    serving = result.getServingVersion();
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                outcome = cause instanceof StatusRuntimeException s ? s.getStatus().getCode() + ": " + s.getStatus().getDescription()
                        : String.valueOf(cause);
            } catch (Exception e) {
                outcome = e.toString();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            workers.put(worker.id(), new WorkerState(worker.id(), worker.address(), serving, outcome, seconds));
            String result = "ok".equals(outcome) ? "accepted" : "refused";
            Timer.builder("alexstream.trainer.push.duration").tags("worker", worker.id(), "result", result)
                    .register(metrics).record(Duration.ofNanos((long) (seconds * 1e9)));
            if (!"ok".equals(outcome)) {
                setState(State.FAILED, "version " + version + " stopped at worker " + worker.id() + ": " + outcome);
                LOG.errorf("rollout of version %d stopped: worker %s %s; workers not yet reached keep their version",
                        version, worker.id(), outcome);
                return false;
            }
            LOG.infof("worker %s now serves version %d (push, validate and swap in %.2f s)", worker.id(), version, seconds);
        }
        setState(State.DONE, "every worker serves version " + version);
        return true;
    }

    private void setState(State next, String why) {
        state = next;
        message = why;
        stateCode.set(next.ordinal());
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> TlsChannels.forTarget(a, pushTls));
    }

    @PreDestroy
    void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}

package io.alexstream.bench;

import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The packaged ingest, worker and trainer applications as the bench runs them: child processes started through
 * {@link ServiceProcess} (as the local stack and the integration tests start them), against the bench's broker,
 * each with its log in the bench's work directory and only its role's bearer token.
 */
final class BenchServices {

    static final String WORKER_TOKEN = "ALEXSTREAM_AUTH_WORKER_TOKEN";
    static final String OPERATOR_TOKEN = "ALEXSTREAM_AUTH_OPERATOR_TOKEN";

    private final Path root;
    private final Path workDir;
    private final EmbeddedKafka kafka;
    private final String profile;
    private final Path weights;
    private final String workerToken;

    BenchServices(Path root, Path workDir, EmbeddedKafka kafka, String profile, Path weights, String workerToken) {
        this.root = root;
        this.workDir = workDir;
        this.kafka = kafka;
        this.profile = profile;
        this.weights = weights;
        this.workerToken = workerToken;
    }

    ServiceProcess ingest() throws IOException {
        return ServiceProcess.quarkusApp("ingest", jar("ingest"))
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .log(workDir.resolve("ingest.log"))
                .start();
    }

    /** A worker serving the bench's weights file; {@code properties} add to or override its configuration. */
    ServiceProcess worker(Map<String, Object> properties, String log) throws IOException {
        ServiceProcess.Builder builder = ServiceProcess.quarkusApp("worker", jar("worker"))
                // a fixed heap: growing it during a 245 MB push (humongous chunks, fresh regions, a concurrent cycle
                // per chunk batch) made the warm push 3.5-4.7 s; at -Xms4g it took 1.8 s in the same bench
                // configuration. Touched at start: a push's first touch of fresh heap cost the worker 0.5-1 core of
                // system time while it arrived
                .jvmOption("-Xms4g")
                .jvmOption("-Xmx4g")
                .jvmOption("-XX:+AlwaysPreTouch")
                .separateGrpcPort(0)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.worker.profile", profile)
                .property("alexstream.worker.weights-file", weights)
                .property("alexstream.worker.id", "bench-worker")
                .property("alexstream.worker.state-dir", workDir.resolve("worker-state"))
                .environment(WORKER_TOKEN, workerToken)
                .log(workDir.resolve(log));
        properties.forEach(builder::property);
        return builder.start();
    }

    /** The trainer on {@code port}, with {@code run}'s versions in its store and {@code worker} as its only worker. */
    ServiceProcess trainer(int port, TrainerRun run, ServiceProcess worker, String operatorToken) throws IOException {
        return ServiceProcess.quarkusApp("trainer", jar("trainer"))
                .jvmOption("-Xmx6g")
                .port(port)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.trainer.profile", profile)
                .property("alexstream.trainer.data-dir", run.seededVersions().getParent())
                .property("alexstream.trainer.workers", "127.0.0.1:" + worker.grpcPort())
                .property("alexstream.trainer.min-new-examples", run.labeledImages() * 8 / 10)
                .property("alexstream.trainer.epochs-per-round", 1)
                .environment(WORKER_TOKEN, workerToken)
                .environment(OPERATOR_TOKEN, operatorToken)
                .log(workDir.resolve("trainer.log"))
                .start();
    }

    private Path jar(String service) {
        return ServiceProcess.packagedApp(root, service);
    }
}

package io.alexstream.cli;

import io.alexstream.local.ServiceProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of each service the local stack runs: its packaged application, heap, ports, configuration and
 * log file, and only its own role's bearer token (a service never holds a token it does not check or use).
 */
final class StackServices {

    private final StackOptions options;
    private final StackCredentials credentials;
    private final String bootstrapServers;
    private final Path logs;

    StackServices(StackOptions options, StackCredentials credentials, String bootstrapServers, Path logs) {
        this.options = options;
        this.credentials = credentials;
        this.bootstrapServers = bootstrapServers;
        this.logs = logs;
    }

    /** The name of every shadow worker starts so. */
    static final String SHADOW_PREFIX = "shadow-";

    ServiceProcess.Builder trainer() {
        ServiceProcess.Builder builder = ServiceProcess.quarkusApp(
                        "trainer", ServiceProcess.packagedApp(options.root(), "trainer"))
                .jvmOption("-Xmx5g")
                .port(options.trainerPort())
                .property("kafka.bootstrap.servers", bootstrapServers)
                .property("alexstream.trainer.profile", options.profile())
                .property("alexstream.trainer.data-dir", options.work().resolve("trainer"))
                // the trainer checks workers' registrations and pulls, operators' rollbacks and rounds, force-promotes
                .environment(StackCredentials.WORKER_TOKEN, credentials.worker())
                .environment(StackCredentials.OPERATOR_TOKEN, credentials.operator())
                .environment(StackCredentials.RELEASE_MANAGER_TOKEN, credentials.releaseManager())
                .log(logs.resolve("trainer.log"));
        options.trainerProperties().forEach(builder::property);
        return builder;
    }

    ServiceProcess.Builder ingest() {
        return ServiceProcess.quarkusApp("ingest", ServiceProcess.packagedApp(options.root(), "ingest"))
                .jvmOption("-Xmx512m")
                .port(options.basePort())
                .property("kafka.bootstrap.servers", bootstrapServers)
                // labelled uploads (training data) need the labeller's token
                .environment(StackCredentials.LABELLER_TOKEN, credentials.labeller())
                .log(logs.resolve("ingest.log"));
    }

    /**
     * Workers 1..N, named {@code worker-1}, ..., each with its own state directory; then the shadow workers
     * ({@code shadow-1}, ...: answers on {@code predictions.shadow}, to no caller).
     */
    List<ServiceProcess.Builder> workers() {
        List<ServiceProcess.Builder> workers = new ArrayList<>();
        for (int i = 1; i <= options.workers() + options.shadowWorkers(); i++) {
            int port = options.workerPort(i);
            boolean shadow = i > options.workers();
            String id = shadow ? SHADOW_PREFIX + (i - options.workers()) : "worker-" + i;
            ServiceProcess.Builder builder = ServiceProcess.quarkusApp(
                            id, ServiceProcess.packagedApp(options.root(), "worker"))
                    .jvmOption("-Xmx1g")
                    .port(port)
                    .separateGrpcPort(StackOptions.grpcPort(port))
                    .property("kafka.bootstrap.servers", bootstrapServers)
                    .property("alexstream.worker.id", id)
                    .property("alexstream.worker.profile", options.profile())
                    .property("alexstream.worker.state-dir", options.work().resolve(id))
                    .property("alexstream.worker.trainer-address", "localhost:" + options.trainerPort())
                    // its own token only: to register with the trainer and pull weights
                    .environment(StackCredentials.WORKER_TOKEN, credentials.worker())
                    .log(logs.resolve(id + ".log"));
            options.workerProperties().forEach(builder::property);
            if (shadow) {
                builder.property("alexstream.worker.shadow", "true");
            }
            workers.add(builder);
        }
        return workers;
    }
}

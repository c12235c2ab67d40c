package io.alexstream.cli;

import io.alexstream.auth.BearerTokens;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The whole system on one machine: a real KRaft broker in this process, then the trainer,
 * ingest and N workers as separate processes from their packaged Quarkus applications, with
 * bearer tokens generated for this work directory (never a default secret). Closing stops
 * the services first and the broker last. One stack per work directory: a pid file says
 * whether one is running.
 */
final class LocalStack implements AutoCloseable {

    static final Map<String, Integer> TOPICS = Map.of("images", 4, "images.labeled", 2, "predictions", 4, "images.dead-letter", 1);

    /** How to lay the stack out. */
    record Options(Path root, Path work, int workers, String profile, int kafkaPort, int basePort, Map<String, String> trainerProperties) {
    }

    /** The bearer tokens of the three roles. */
    record Credentials(String trainer, String worker, String operator) {
    }

    private final Options options;
    private final Credentials credentials;
    private EmbeddedKafka kafka;
    private ServiceProcess trainer;
    private ServiceProcess ingest;
    private final List<ServiceProcess> workers = new ArrayList<>();
    private final Path pidFile;

    private LocalStack(Options options, Credentials credentials) {
        this.options = options;
        this.credentials = credentials;
        this.pidFile = options.work().resolve("stack.pid");
    }

    /** The pid of a stack already running in {@code work}, if any. */
    static Optional<ProcessHandle> running(Path work) {
        Path pidFile = work.resolve("stack.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.pid() != ProcessHandle.current().pid());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static LocalStack start(Options options, PrintStream out) throws Exception {
        Files.createDirectories(options.work());
        Optional<ProcessHandle> other = running(options.work());
        if (other.isPresent()) {
            throw new IllegalStateException("a stack is already running from " + options.work() + " (pid " + other.get().pid()
                    + "); stop it with ./alexstream down, or use another --work directory");
        }
        List<Integer> ports = new ArrayList<>(List.of(options.kafkaPort(), options.basePort(), trainerPort(options)));
        for (int i = 1; i <= options.workers(); i++) {
            ports.add(workerPort(options, i));
            ports.add(grpcPort(workerPort(options, i)));
        }
        for (int port : ports) {
            requireFree(port);
        }
        LocalStack stack = new LocalStack(options, credentials(options.work()));
        Files.writeString(stack.pidFile, Long.toString(ProcessHandle.current().pid()));
        try {
            stack.startAll(out);
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void startAll(PrintStream out) throws Exception {
        Path logs = Files.createDirectories(options.work().resolve("logs"));
        out.printf("starting Kafka (KRaft) on %d ...%n", options.kafkaPort());
        kafka = EmbeddedKafka.start(options.work().resolve("kafka"), options.kafkaPort());
        kafka.createTopics(TOPICS);
        Path apps = options.root().resolve("services");
        int trainerPort = trainerPort(options);
        ServiceProcess.Builder trainerBuilder = ServiceProcess.quarkusApp("trainer", apps.resolve("trainer/target/quarkus-app/quarkus-run.jar"))
                .jvmOption("-Xmx5g")
                .port(trainerPort)
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .property("alexstream.trainer.profile", options.profile())
                .property("alexstream.trainer.data-dir", options.work().resolve("trainer"))
                .log(logs.resolve("trainer.log"));
        options.trainerProperties().forEach(trainerBuilder::property);
        trainer = withTokens(trainerBuilder, true).start();
        ingest = ServiceProcess.quarkusApp("ingest", apps.resolve("ingest/target/quarkus-app/quarkus-run.jar"))
                .jvmOption("-Xmx512m")
                .port(options.basePort())
                .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                .log(logs.resolve("ingest.log"))
                .start();
        for (int i = 1; i <= options.workers(); i++) {
            int port = workerPort(options, i);
            String id = "worker-" + i;
            workers.add(withTokens(ServiceProcess.quarkusApp(id, apps.resolve("worker/target/quarkus-app/quarkus-run.jar"))
                    .jvmOption("-Xmx1g")
                    .port(port)
                    .separateGrpcPort(grpcPort(port))
                    .property("kafka.bootstrap.servers", kafka.bootstrapServers())
                    .property("alexstream.worker.id", id)
                    .property("alexstream.worker.profile", options.profile())
                    .property("alexstream.worker.state-dir", options.work().resolve(id))
                    .property("alexstream.worker.trainer-address", "localhost:" + trainerPort)
                    .log(logs.resolve(id + ".log")), false).start());
        }
        out.print("waiting for the services to be healthy ...");
        trainer.awaitReady(Duration.ofSeconds(180));
        ingest.awaitReady(Duration.ofSeconds(180));
        for (ServiceProcess worker : workers) {
            // a worker without a model is alive but not ready; it becomes ready when the trainer rolls a version out
            worker.awaitLive(Duration.ofSeconds(180));
        }
        out.println(" done");
    }

    private static int trainerPort(Options options) {
        return options.basePort() + 2;
    }

    /** Worker 1 next to ingest (8081 by default), the others after the trainer (8083, 8084, ...). */
    private static int workerPort(Options options, int worker) {
        return worker == 1 ? options.basePort() + 1 : options.basePort() + 2 + (worker - 1);
    }

    /** A worker's gRPC server listens 1000 above its HTTP port (8081 -> 9081), as in the worker's own defaults. */
    static int grpcPort(int httpPort) {
        return httpPort + 1000;
    }

    private ServiceProcess.Builder withTokens(ServiceProcess.Builder builder, boolean isTrainer) {
        builder.environment("ALEXSTREAM_AUTH_TRAINER_TOKEN", credentials.trainer())
                .environment("ALEXSTREAM_AUTH_WORKER_TOKEN", credentials.worker());
        if (isTrainer) {
            builder.environment("ALEXSTREAM_AUTH_OPERATOR_TOKEN", credentials.operator());
        }
        return builder;
    }

    /** The work directory's tokens: generated on first use, kept (mode 600) so a restarted stack keeps them. */
    static Credentials credentials(Path work) throws IOException {
        Path file = work.resolve("credentials.env");
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
        } else {
            properties.setProperty("ALEXSTREAM_AUTH_TRAINER_TOKEN", BearerTokens.generate());
            properties.setProperty("ALEXSTREAM_AUTH_WORKER_TOKEN", BearerTokens.generate());
            properties.setProperty("ALEXSTREAM_AUTH_OPERATOR_TOKEN", BearerTokens.generate());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder text = new StringBuilder("# generated by ./alexstream up for this work directory; keep it private\n");
            for (String key : List.of("ALEXSTREAM_AUTH_TRAINER_TOKEN", "ALEXSTREAM_AUTH_WORKER_TOKEN", "ALEXSTREAM_AUTH_OPERATOR_TOKEN")) {
                text.append(key).append('=').append(properties.getProperty(key)).append('\n');
            }
            Files.writeString(file, text);
        }
        return new Credentials(properties.getProperty("ALEXSTREAM_AUTH_TRAINER_TOKEN"),
                properties.getProperty("ALEXSTREAM_AUTH_WORKER_TOKEN"), properties.getProperty("ALEXSTREAM_AUTH_OPERATOR_TOKEN"));
    }

    private static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is in use: another stack or program holds it "
                    + "(choose others with --base-port / --kafka-port)");
        }
    }

    void printTable(PrintStream out) {
        out.printf(Locale.ROOT, "%-10s %-8s %-6s %-6s %-36s %s%n", "service", "pid", "HTTP", "gRPC", "metrics", "log");
        out.printf(Locale.ROOT, "%-10s %-8d %-6s %-6s %-36s %s%n", "kafka", ProcessHandle.current().pid(), "-", "-",
                kafka.bootstrapServers() + " (in this process)", options.work().resolve("kafka"));
        for (ServiceProcess service : services()) {
            out.printf(Locale.ROOT, "%-10s %-8d %-6d %-6s %-36s %s%n", service.name(), service.pid(), service.port(),
                    service == ingest ? "-" : Integer.toString(service.grpcPort()), service.uri("/q/metrics"), service.log());
        }
        out.println("tokens for the model-management calls: " + options.work().resolve("credentials.env"));
    }

    List<ServiceProcess> services() {
        List<ServiceProcess> all = new ArrayList<>();
        if (trainer != null) {
            all.add(trainer);
        }
        if (ingest != null) {
            all.add(ingest);
        }
        all.addAll(workers);
        return all;
    }

    Path work() {
        return options.work();
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    ServiceProcess trainer() {
        return trainer;
    }

    List<ServiceProcess> workers() {
        return List.copyOf(workers);
    }

    Credentials tokens() {
        return credentials;
    }

    /** Services first (workers, ingest, trainer), the broker last; no process is left behind. */
    @Override
    public synchronized void close() {
        List<ServiceProcess> order = new ArrayList<>(workers);
        if (ingest != null) {
            order.add(ingest);
        }
        if (trainer != null) {
            order.add(trainer);
        }
        for (ServiceProcess service : order) {
            try {
                service.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        ingest = null;
        trainer = null;
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // the pid inside names a dead process, which running() ignores
        }
    }
}

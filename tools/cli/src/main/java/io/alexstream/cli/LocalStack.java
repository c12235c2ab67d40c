package io.alexstream.cli;

import io.alexstream.auth.BearerTokens;
import io.alexstream.contracts.Topics;
import io.alexstream.kafka.BrokerProcess;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.local.Supervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The whole system on one machine: a real KRaft broker (a child process by default, or in this
 * process), then the trainer, ingest and N workers as separate processes from their packaged
 * Quarkus applications, with bearer tokens generated for this work directory (never a default
 * secret), each service given only its role's. A {@link Supervisor} restarts a service that
 * exits or fails its liveness probes, and the broker child if it exits; each restart is one
 * line on the console and counted in the table. Closing stops supervising, then the services,
 * the broker last. One stack per work directory: a pid file says whether one is running.
 */
final class LocalStack implements AutoCloseable {

    static final Map<String, Integer> TOPICS = Map.of(
            Topics.IMAGES,
            4,
            Topics.LABELED,
            2,
            Topics.PREDICTIONS,
            4,
            Topics.DEAD_LETTERS,
            1,
            "images.labeled.dead-letter",
            1);

    static final String WORKER_TOKEN = "ALEXSTREAM_AUTH_WORKER_TOKEN";
    static final String OPERATOR_TOKEN = "ALEXSTREAM_AUTH_OPERATOR_TOKEN";
    static final String LABELLER_TOKEN = "ALEXSTREAM_AUTH_LABELLER_TOKEN";

    /** The bearer tokens of the roles, and every secret in the file (older files may hold more, e.g. a trainer token). */
    record Credentials(String worker, String operator, String labeller, Map<String, String> all) {}

    private final StackOptions options;
    private final Credentials credentials;
    private final Supervisor supervisor;
    private EmbeddedKafka inProcessKafka;
    private Supervisor.Watch<BrokerProcess> broker;
    private String bootstrapServers;
    private Supervisor.Watch<ServiceProcess> trainer;
    private Supervisor.Watch<ServiceProcess> ingest;
    private final List<Supervisor.Watch<ServiceProcess>> workers = new ArrayList<>();
    private final Path pidFile;

    private LocalStack(StackOptions options, Credentials credentials, PrintStream out, Supervisor.Listener listener) {
        this.options = options;
        this.credentials = credentials;
        this.pidFile = options.work().resolve("stack.pid");
        this.supervisor = new Supervisor(Supervisor.Policy.DEFAULT, new Supervisor.Listener() {
            @Override
            public void restarting(Supervisor.Restart restart) {
                out.printf(Locale.ROOT, "%s supervisor: %s%n", LocalTime.now().withNano(0), restart.describe());
                listener.restarting(restart);
            }

            @Override
            public void restarted(String service, long pid, int attempt) {
                out.printf(
                        Locale.ROOT,
                        "%s supervisor: %s restarted (pid %d, attempt %d)%n",
                        LocalTime.now().withNano(0),
                        service,
                        pid,
                        attempt);
                listener.restarted(service, pid, attempt);
            }
        });
    }

    /** The pid of a stack already running in {@code work}, if any. */
    static Optional<ProcessHandle> running(Path work) {
        Path pidFile = work.resolve("stack.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> p.pid() != ProcessHandle.current().pid());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static LocalStack start(StackOptions options, PrintStream out) throws Exception {
        return start(options, out, new Supervisor.Listener() {});
    }

    /** Starts everything; {@code listener} hears of each restart after it was printed on {@code out}. */
    static LocalStack start(StackOptions options, PrintStream out, Supervisor.Listener listener) throws Exception {
        Files.createDirectories(options.work());
        Optional<ProcessHandle> other = running(options.work());
        if (other.isPresent()) {
            throw new IllegalStateException("a stack is already running from " + options.work() + " (pid "
                    + other.get().pid() + "); stop it with ./alexstream down, or use another --work directory");
        }
        List<Integer> ports = new ArrayList<>(List.of(options.kafkaPort(), options.basePort(), trainerPort(options)));
        for (int i = 1; i <= options.workers(); i++) {
            ports.add(workerPort(options, i));
            ports.add(grpcPort(workerPort(options, i)));
        }
        for (int port : ports) {
            requireFree(port);
        }
        LocalStack stack = new LocalStack(options, credentials(options.work()), out, listener);
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
        startBroker(out, logs);
        int trainerPort = trainerPort(options);
        ServiceProcess.Builder trainerBuilder = ServiceProcess.quarkusApp(
                        "trainer", ServiceProcess.packagedApp(options.root(), "trainer"))
                .jvmOption("-Xmx5g")
                .port(trainerPort)
                .property("kafka.bootstrap.servers", bootstrapServers)
                .property("alexstream.trainer.profile", options.profile())
                .property("alexstream.trainer.data-dir", options.work().resolve("trainer"))
                // the trainer checks workers' registrations and pulls, and operators' rollbacks and rounds
                .environment(WORKER_TOKEN, credentials.worker())
                .environment(OPERATOR_TOKEN, credentials.operator())
                .log(logs.resolve("trainer.log"));
        options.trainerProperties().forEach(trainerBuilder::property);
        ServiceProcess.Builder ingestBuilder = ServiceProcess.quarkusApp(
                        "ingest", ServiceProcess.packagedApp(options.root(), "ingest"))
                .jvmOption("-Xmx512m")
                .port(options.basePort())
                .property("kafka.bootstrap.servers", bootstrapServers)
                // labelled uploads (training data) need the labeller's token
                .environment(LABELLER_TOKEN, credentials.labeller())
                .log(logs.resolve("ingest.log"));
        List<ServiceProcess.Builder> workerBuilders = new ArrayList<>();
        for (int i = 1; i <= options.workers(); i++) {
            int port = workerPort(options, i);
            String id = "worker-" + i;
            ServiceProcess.Builder builder = ServiceProcess.quarkusApp(
                            id, ServiceProcess.packagedApp(options.root(), "worker"))
                    .jvmOption("-Xmx1g")
                    .port(port)
                    .separateGrpcPort(grpcPort(port))
                    .property("kafka.bootstrap.servers", bootstrapServers)
                    .property("alexstream.worker.id", id)
                    .property("alexstream.worker.profile", options.profile())
                    .property("alexstream.worker.state-dir", options.work().resolve(id))
                    .property("alexstream.worker.trainer-address", "localhost:" + trainerPort)
                    // its own token only: to register with the trainer and pull weights
                    .environment(WORKER_TOKEN, credentials.worker())
                    .log(logs.resolve(id + ".log"));
            options.workerProperties().forEach(builder::property);
            workerBuilders.add(builder);
        }
        List<ServiceProcess> started = new ArrayList<>();
        try {
            ServiceProcess trainerProcess = start(trainerBuilder, started);
            ServiceProcess ingestProcess = start(ingestBuilder, started);
            for (ServiceProcess.Builder builder : workerBuilders) {
                start(builder, started);
            }
            out.print("waiting for the services to be healthy ...");
            trainerProcess.awaitReady(Duration.ofSeconds(180));
            ingestProcess.awaitReady(Duration.ofSeconds(180));
            for (ServiceProcess worker : started.subList(2, started.size())) {
                // a worker without a model is alive but not ready; it becomes ready when the trainer rolls a version
                // out
                worker.awaitLive(Duration.ofSeconds(180));
            }
        } catch (Exception e) {
            for (ServiceProcess process : started) {
                process.kill();
            }
            throw e;
        }
        out.println(" done");
        // supervised from here on: a service still starting would fail its liveness probes
        trainer = supervisor.watch("trainer", started.get(0), () -> startLive(trainerBuilder));
        ingest = supervisor.watch("ingest", started.get(1), () -> startLive(ingestBuilder));
        for (int i = 0; i < workerBuilders.size(); i++) {
            ServiceProcess.Builder builder = workerBuilders.get(i);
            workers.add(supervisor.watch(builder.name(), started.get(2 + i), () -> startLive(builder)));
        }
    }

    private static ServiceProcess start(ServiceProcess.Builder builder, List<ServiceProcess> started)
            throws IOException {
        ServiceProcess process = builder.start();
        started.add(process);
        return process;
    }

    private void startBroker(PrintStream out, Path logs) throws Exception {
        Path dir = options.work().resolve("kafka");
        if (options.broker() == StackOptions.Broker.IN_PROCESS) {
            out.printf("starting Kafka (KRaft) in this process on %d ...%n", options.kafkaPort());
            inProcessKafka = EmbeddedKafka.start(dir, options.kafkaPort());
            inProcessKafka.createTopics(TOPICS);
            bootstrapServers = inProcessKafka.bootstrapServers();
            return;
        }
        BrokerProcess.Builder builder =
                BrokerProcess.builder(dir, options.kafkaPort()).topics(TOPICS).log(logs.resolve("kafka.log"));
        out.printf("starting Kafka (KRaft) as a child process on %s ...%n", builder.bootstrapServers());
        broker = supervisor.watch("kafka", builder.start(), builder::start);
        bootstrapServers = builder.bootstrapServers();
    }

    /** A restart: the process, once live; killed again when it does not get there. */
    private static ServiceProcess startLive(ServiceProcess.Builder builder) throws Exception {
        ServiceProcess process = builder.start();
        try {
            return process.awaitLive(Duration.ofSeconds(180));
        } catch (Exception | Error e) {
            process.kill();
            throw e;
        }
    }

    private static int trainerPort(StackOptions options) {
        return options.basePort() + 2;
    }

    /** Worker 1 next to ingest (8081 by default), the others after the trainer (8083, 8084, ...). */
    private static int workerPort(StackOptions options, int worker) {
        return worker == 1 ? options.basePort() + 1 : options.basePort() + 2 + (worker - 1);
    }

    /** A worker's gRPC server listens 1000 above its HTTP port (8081 -> 9081), as in the worker's own defaults. */
    static int grpcPort(int httpPort) {
        return httpPort + 1000;
    }

    /**
     * The work directory's tokens: generated on first use and kept (mode 600) so a restarted stack keeps them. A file
     * written before a role existed gets that role's token added; keys it holds that no role uses any more stay.
     */
    static Credentials credentials(Path work) throws IOException {
        Path file = work.resolve("credentials.env");
        Properties properties = new Properties();
        StringBuilder added = new StringBuilder();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
        } else {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            added.append("# generated by ./alexstream up for this work directory; keep it private\n");
        }
        for (String key : List.of(WORKER_TOKEN, OPERATOR_TOKEN, LABELLER_TOKEN)) {
            if (properties.getProperty(key, "").isBlank()) {
                properties.setProperty(key, BearerTokens.generate());
                added.append(key)
                        .append('=')
                        .append(properties.getProperty(key))
                        .append('\n');
            }
        }
        if (!added.isEmpty()) {
            Files.writeString(file, added, StandardOpenOption.APPEND);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> all = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> all.put(key, properties.getProperty(key)));
        return new Credentials(all.get(WORKER_TOKEN), all.get(OPERATOR_TOKEN), all.get(LABELLER_TOKEN), all);
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
        String format = "%-10s %-8s %-6s %-6s %-8s %-36s %s%n";
        out.printf(Locale.ROOT, format, "service", "pid", "HTTP", "gRPC", "restarts", "metrics", "log");
        if (broker != null) {
            out.printf(
                    Locale.ROOT,
                    format,
                    "kafka",
                    broker.current().pid(),
                    "-",
                    "-",
                    broker.restarts(),
                    bootstrapServers + " (child process)",
                    broker.current().log());
        } else if (inProcessKafka != null) {
            out.printf(
                    Locale.ROOT,
                    format,
                    "kafka",
                    ProcessHandle.current().pid(),
                    "-",
                    "-",
                    "-",
                    bootstrapServers + " (in this process)",
                    options.work().resolve("kafka"));
        }
        for (Supervisor.Watch<ServiceProcess> watch : watches()) {
            ServiceProcess service = watch.current();
            out.printf(
                    Locale.ROOT,
                    format,
                    service.name(),
                    service.pid(),
                    service.port(),
                    watch == ingest ? "-" : Integer.toString(service.grpcPort()),
                    watch.restarts(),
                    service.uri("/q/metrics"),
                    service.log());
        }
        out.println("tokens for the model-management calls: " + options.work().resolve("credentials.env"));
    }

    private List<Supervisor.Watch<ServiceProcess>> watches() {
        List<Supervisor.Watch<ServiceProcess>> all = new ArrayList<>();
        if (trainer != null) {
            all.add(trainer);
        }
        if (ingest != null) {
            all.add(ingest);
        }
        all.addAll(workers);
        return all;
    }

    /** The service processes running now: trainer, ingest, workers (after a restart, the new process). */
    List<ServiceProcess> services() {
        return watches().stream().map(Supervisor.Watch::current).toList();
    }

    /** Restart attempts per service (the broker as {@code kafka}), in table order. */
    Map<String, Integer> restarts() {
        Map<String, Integer> restarts = new LinkedHashMap<>();
        if (broker != null) {
            restarts.put("kafka", broker.restarts());
        }
        watches().forEach(watch -> restarts.put(watch.service(), watch.restarts()));
        return restarts;
    }

    Path work() {
        return options.work();
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    ServiceProcess trainer() {
        return trainer.current();
    }

    ServiceProcess ingest() {
        return ingest.current();
    }

    List<ServiceProcess> workers() {
        return workers.stream().map(Supervisor.Watch::current).toList();
    }

    /** The broker's process, empty when it runs inside this one. */
    Optional<BrokerProcess> brokerProcess() {
        return broker == null ? Optional.empty() : Optional.of(broker.current());
    }

    Credentials tokens() {
        return credentials;
    }

    /** Supervision first (nothing restarts from here on), then workers, ingest, trainer, the broker last; no process is left behind. */
    @Override
    public synchronized void close() {
        try {
            supervisor.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Supervisor.Watch<ServiceProcess>> order = new ArrayList<>(workers);
        if (ingest != null) {
            order.add(ingest);
        }
        if (trainer != null) {
            order.add(trainer);
        }
        for (Supervisor.Watch<ServiceProcess> service : order) {
            try {
                service.current().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        ingest = null;
        trainer = null;
        if (broker != null) {
            try {
                broker.current().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            broker = null;
        }
        if (inProcessKafka != null) {
            inProcessKafka.close();
            inProcessKafka = null;
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // the pid inside names a dead process, which running() ignores
        }
    }
}

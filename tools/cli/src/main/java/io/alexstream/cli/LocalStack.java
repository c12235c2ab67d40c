package io.alexstream.cli;

import io.alexstream.contracts.Topics;
import io.alexstream.kafka.BrokerProcess;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.local.Supervisor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
            Topics.LABELED_DEAD_LETTERS,
            1,
            Topics.LABELS,
            4,
            Topics.EVALUATIONS,
            1,
            // as many partitions as labels and predictions: the evaluator joins them by image id
            Topics.REVIEW,
            4,
            Topics.PREDICTIONS_SHADOW,
            4);

    private final StackOptions options;
    private final StackCredentials credentials;
    private final Supervisor supervisor;
    private final StackPidFile pidFile;
    private EmbeddedKafka inProcessKafka;
    private Supervisor.Watch<BrokerProcess> broker;
    private String bootstrapServers;
    private Supervisor.Watch<ServiceProcess> trainer;
    private Supervisor.Watch<ServiceProcess> ingest;
    private final List<Supervisor.Watch<ServiceProcess>> workers = new ArrayList<>();

    private LocalStack(
            StackOptions options, StackCredentials credentials, StackPidFile pidFile, Supervisor.Listener listener) {
        this.options = options;
        this.credentials = credentials;
        this.pidFile = pidFile;
        this.supervisor = new Supervisor(Supervisor.Policy.DEFAULT, listener);
    }

    /** The pid of a stack already running in {@code work}, if any. */
    static Optional<ProcessHandle> running(Path work) {
        return StackPidFile.running(work);
    }

    static LocalStack start(StackOptions options, PrintStream out) throws Exception {
        return start(options, out, new Supervisor.Listener() {});
    }

    /** Starts everything; {@code listener} hears of each restart after it was printed on {@code out}. */
    static LocalStack start(StackOptions options, PrintStream out, Supervisor.Listener listener) throws Exception {
        Files.createDirectories(options.work());
        StackPidFile.requireNoneRunning(options.work());
        for (int port : options.ports()) {
            requireFree(port);
        }
        StackPidFile pidFile = StackPidFile.claim(options.work());
        LocalStack stack = new LocalStack(
                options, StackCredentials.load(options.work()), pidFile, new RestartConsole(out, listener));
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
        StackServices services = new StackServices(options, credentials, bootstrapServers, logs);
        ServiceProcess.Builder trainerBuilder = services.trainer();
        ServiceProcess.Builder ingestBuilder = services.ingest();
        List<ServiceProcess.Builder> workerBuilders = services.workers();
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

    private static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is in use: another stack or program holds it "
                    + "(choose others with --base-port / --kafka-port)");
        }
    }

    /** The table of processes, ports, restarts, metrics and logs that {@code up} and {@code demo} print. */
    void printTable(PrintStream out) {
        StackTable.print(this, out);
    }

    /** Whether the broker runs inside this process rather than as a child. */
    boolean kafkaInProcess() {
        return inProcessKafka != null;
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

    StackOptions options() {
        return options;
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

    /** The serving workers: the ones callers and the images topic's group reach. */
    List<ServiceProcess> workers() {
        return workers.stream()
                .map(Supervisor.Watch::current)
                .filter(w -> !w.name().startsWith(StackServices.SHADOW_PREFIX))
                .toList();
    }

    /** The shadow workers, if the stack has any. */
    List<ServiceProcess> shadowWorkers() {
        return workers.stream()
                .map(Supervisor.Watch::current)
                .filter(w -> w.name().startsWith(StackServices.SHADOW_PREFIX))
                .toList();
    }

    /** The broker's process, empty when it runs inside this one. */
    Optional<BrokerProcess> brokerProcess() {
        return broker == null ? Optional.empty() : Optional.of(broker.current());
    }

    StackCredentials tokens() {
        return credentials;
    }

    /**
     * Supervision first (nothing restarts from here on), then workers, ingest, trainer, the broker last; no process
     * is left behind.
     */
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
        pidFile.release();
    }
}

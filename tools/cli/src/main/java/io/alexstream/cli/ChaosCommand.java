package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.alexstream.engine.data.IdxImages;
import io.alexstream.local.ServiceProcess;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code chaos [--minutes 5] [--json] [--workers 2] [--exactly-once] [--rate 4] [--work DIR] [--keep]}
 * or, against a deployment of one's own, {@code chaos --bootstrap HOST:PORT --ingest URL --trainer HOST:PORT
 * --workers-http URL,URL [--workers-grpc HOST:PORT,...] [--trap-host HOST]}
 * (tokens from {@code ALEXSTREAM_AUTH_*_TOKEN}; the trap host is where the trainer can reach the fake worker):
 * a Jepsen-style check. It streams images through ingest and into Kafka with hostile records
 * mixed in while {@link FaultInjector} kills, pauses and misuses the system, then waits for the
 * backlog to drain (bounded), reads every output topic and reports per input answered /
 * dead-lettered / lost / duplicated, the faults, rollout convergence and leaked secrets
 * ({@link ChaosReport}). Without addresses it starts its own stack in a fresh work directory,
 * the broker as a child process, with three untrained versions seeded so rollbacks have
 * somewhere to go. Exit code 1 on any loss, when the rollout did not converge, or on a
 * duplicate with {@code --exactly-once}.
 */
final class ChaosCommand {

    static final int SEEDED_VERSIONS = 3;

    private final Arguments arguments;
    private final PrintStream out;

    ChaosCommand(Arguments arguments, PrintStream out) {
        this.arguments = arguments;
        this.out = out;
    }

    static int run(Arguments arguments) throws Exception {
        Map<String, Object> report = new ChaosCommand(arguments, System.out).check();
        if (arguments.flag("json")) {
            System.out.println(Json.write(report));
        }
        return ChaosReport.exitCode(report);
    }

    Map<String, Object> check() throws Exception {
        double minutes = arguments.getDouble("minutes", 5);
        Duration run = Duration.ofMillis((long) (minutes * 60_000));
        List<String> notes = new ArrayList<>();
        long pauseSeconds = arguments.getInt("broker-pause-seconds", minutes < 3 ? 30 : 75);
        if (pauseSeconds <= 60) {
            notes.add("the broker pause (" + pauseSeconds
                    + " s) is shorter than SmallRye's 60 s throttled-commit watchdog"
                    + (minutes < 3 ? " because the run is shorter than 3 minutes" : ""));
        }
        boolean local = !arguments.options().containsKey("bootstrap");
        LocalStack stack = local ? startStack(notes) : null;
        Thread stopOnCtrlC = null;
        if (stack != null) {
            stopOnCtrlC = new Thread(stack::close, "chaos-stop");
            Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
        }
        try {
            ChaosTargets targets = stack != null ? ChaosTargets.of(stack) : ChaosTargets.of(arguments, System.getenv());
            String target =
                    stack != null ? "a local stack in " + stack.work() : "the deployment at " + targets.bootstrap();
            return check(targets, Optional.ofNullable(stack), run, minutes, pauseSeconds, target, notes);
        } finally {
            if (stack != null) {
                if (arguments.flag("keep")) {
                    out.println(
                            "--keep: the stack keeps running; ./alexstream down --work " + stack.work() + " stops it");
                } else {
                    out.println("stopping the stack ...");
                    stack.close();
                    Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
                }
            }
        }
    }

    private Map<String, Object> check(
            ChaosTargets targets,
            Optional<LocalStack> stack,
            Duration run,
            double minutes,
            long pauseSeconds,
            String target,
            List<String> notes)
            throws Exception {
        double rate = arguments.getDouble("rate", 4);
        List<byte[]> pngs = images(1000);
        ChaosLedger ledger = new ChaosLedger();
        long storedBefore = stored(targets);
        List<HostileRecords.Hostile> hostile = HostileRecords.round(pngs.get(0), 1);
        try (SecretTrap trap = new SecretTrap(targets.secrets());
                ChaosOutputs outputs = new ChaosOutputs(targets.bootstrap(), ledger)) {
            if (!outputs.missingTopics().isEmpty()) {
                notes.add("output topics missing at the start, not read: " + outputs.missingTopics());
            }
            out.printf(
                    Locale.ROOT,
                    "chaos: %.1f minutes at %.1f images/s (half through ingest, half into Kafka), %d hostile records,"
                            + " faults on a schedule; then the backlog drains%n",
                    minutes,
                    rate,
                    hostile.size());
            FaultInjector faults = new FaultInjector(
                    targets,
                    stack,
                    trap,
                    arguments.get("trap-host", "127.0.0.1"),
                    run,
                    Duration.ofSeconds(pauseSeconds),
                    out);
            long ingestSkipped;
            long labeledAcknowledged;
            try (faults) {
                ChaosStream stream = new ChaosStream(targets, ledger, pngs, out);
                try (stream) {
                    faults.start();
                    stream.run(run, rate, run.multipliedBy(6).dividedBy(10), Duration.ofSeconds(4));
                    out.println("streaming done; waiting for the last faults and acknowledgements ...");
                    faults.awaitDone(Duration.ofSeconds(pauseSeconds + 240));
                }
                ingestSkipped = stream.ingestSkipped();
                labeledAcknowledged = stream.labeledAcknowledged();
                ChaosTargets.Convergence convergence = drain(targets, ledger, outputs);
                if (!outputs.awaitCaughtUp(Duration.ofSeconds(30))) {
                    notes.add("the output topics could not be read to their ends within 30 s");
                }
                ChaosReport.Observed observed = new ChaosReport.Observed(
                        minutes,
                        target,
                        arguments.flag("exactly-once"),
                        rate,
                        pauseSeconds,
                        ledger,
                        hostile,
                        labeledAcknowledged,
                        storedBefore,
                        stored(targets),
                        faults.counts(),
                        faults.events(),
                        faults.refusals(),
                        convergence,
                        trap.seen(),
                        trap.calls(),
                        stack.map(LocalStack::restarts).orElse(Map.of()),
                        ingestSkipped,
                        notes);
                Map<String, Object> report = ChaosReport.build(observed);
                ChaosReport.print(report, out);
                return report;
            }
        }
    }

    /**
     * Waits until every acknowledged input has an outcome and the workers serve the trainer's version; gives up after
     * 60 s without a new output record, or after {@code --drain-seconds} (240).
     */
    private ChaosTargets.Convergence drain(ChaosTargets targets, ChaosLedger ledger, ChaosOutputs outputs)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start
                + Duration.ofSeconds(arguments.getInt("drain-seconds", 240)).toNanos();
        long nextLine = 0;
        while (true) {
            ChaosTargets.Convergence convergence = targets.convergence();
            long awaiting = ledger.awaiting();
            long now = System.nanoTime();
            if (awaiting == 0 && convergence.converged() && outputs.caughtUp()) {
                return convergence;
            }
            String stop = now > deadline
                    ? "the drain limit"
                    : now - start > Duration.ofSeconds(60).toNanos()
                                    && outputs.sinceLastRecord().toSeconds() >= 60
                            ? "60 s without a new output record"
                            : null;
            if (now >= nextLine || stop != null) {
                out.printf(
                        Locale.ROOT,
                        "  draining %3.0f s: %d acknowledged inputs without an outcome; trainer at %d, workers %s%s%n",
                        (now - start) / 1e9,
                        awaiting,
                        convergence.trainerVersion(),
                        convergence.served(),
                        stop == null ? "" : "; stopped: " + stop);
                nextLine = now + Duration.ofSeconds(15).toNanos();
            }
            if (stop != null) {
                return convergence;
            }
            Thread.sleep(2000);
        }
    }

    private LocalStack startStack(List<String> notes) throws Exception {
        Path root = Path.of(System.getProperty("alexstream.root", "."))
                .toAbsolutePath()
                .normalize();
        Path work = Path.of(arguments.get(
                        "work",
                        root.resolve("work")
                                .resolve("chaos-"
                                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                                .toString()))
                .toAbsolutePath();
        if (Files.isDirectory(work)) {
            try (var entries = Files.list(work)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(
                            "--work " + work + " is not empty: chaos starts from a fresh work directory");
                }
            }
        }
        out.printf("seeding %d untrained versions into %s ...%n", SEEDED_VERSIONS, work.resolve("trainer"));
        SeedVersions.write(work.resolve("trainer"), SEEDED_VERSIONS, Map.of());
        notes.add("versions 1-" + SEEDED_VERSIONS
                + " were seeded untrained: chaos checks delivery and convergence, not accuracy");
        Map<String, String> workerProperties =
                arguments.flag("exactly-once") ? Map.of("alexstream.worker.exactly-once", "true") : Map.of();
        // no training rounds: chaos makes its rollouts with rollbacks, and a round would take the two cores from the
        // workers
        Map<String, String> trainerProperties = Map.of("alexstream.trainer.min-new-examples", "1000000000");
        StackOptions options = new StackOptions(
                root,
                work,
                arguments.getInt("workers", 2),
                "small",
                arguments.getInt("kafka-port", 0),
                arguments.getInt("base-port", 28080),
                trainerProperties,
                workerProperties,
                StackOptions.Broker.CHILD,
                0);
        LocalStack stack = LocalStack.start(options, out);
        try {
            stack.printTable(out);
            out.print("waiting for the workers to pull version " + SEEDED_VERSIONS + " ...");
            for (ServiceProcess worker : stack.workers()) {
                worker.awaitReady(Duration.ofSeconds(180));
            }
            out.println(" ready");
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /** The trainer's count of stored examples; -1 when it does not answer. */
    private static long stored(ChaosTargets targets) {
        JsonNode status = targets.trainerStatus();
        return status == null ? -1 : status.path("examples").path("stored").asLong(-1);
    }

    /** Fashion-MNIST's test split as PNGs, or generated images where the dataset is not installed. */
    private List<byte[]> images(int count) throws Exception {
        Path dir = Path.of(arguments.get("data", "/usr/share/datasets/fashion-mnist"));
        if (!Files.isDirectory(dir)) {
            out.println("dataset: " + dir + " not found; streaming generated images instead");
            return DemoDatasets.generated("chaos", count, 7).stream()
                    .map(Sample::png)
                    .toList();
        }
        return IdxImages.fashionMnist(dir, false, count).parallelStream()
                .map(image -> Images.png(image.image()))
                .toList();
    }
}

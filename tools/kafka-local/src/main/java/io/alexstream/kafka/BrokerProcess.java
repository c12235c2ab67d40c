package io.alexstream.kafka;

import io.alexstream.local.ChildProcess;
import io.alexstream.local.Supervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * {@link EmbeddedKafka} in a JVM of its own ({@link EmbeddedKafkaMain}), so that it can be
 * killed, or stopped and continued (SIGSTOP / SIGCONT) like a broker that hangs, while its
 * clients keep running. It listens on a fixed port, so a restarted broker (same log
 * directory) is the same cluster at the same address. Its liveness is only whether it runs:
 * a broker that is slow or paused must not be killed by a supervisor, because its clients are
 * expected to ride such outages out.
 */
public final class BrokerProcess implements Supervisor.Child, AutoCloseable {

    private final ChildProcess process;
    private final String bootstrapServers;

    private BrokerProcess(ChildProcess process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /** A broker with its log directory in {@code dir}, on {@code port} (0: a free one, kept for restarts). */
    public static Builder builder(Path dir, int port) {
        return new Builder(dir, port == 0 ? EmbeddedKafka.freePort() : port);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path log() {
        return process.log();
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public OptionalInt exitCode() {
        return process.exitCode();
    }

    /** Whether it runs: a paused or slow broker is not a dead one. */
    @Override
    public boolean probeLive() {
        return process.isAlive();
    }

    /** SIGSTOP: the broker freezes, its sockets stay open, its clients time out. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        if (kill.waitFor() != 0 && process.isAlive()) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Override
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** SIGCONT (a paused broker cannot shut down), SIGTERM and a clean shutdown; SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        try {
            resume();
        } catch (IOException ignored) {
            // it has exited already
        }
        process.stop(Duration.ofSeconds(30));
    }

    /** The broker's command line; it can start the same broker again after it went away. */
    public static final class Builder {
        private final Path dir;
        private final int port;
        private final Map<String, Integer> topics = new LinkedHashMap<>();
        private Path log;

        private Builder(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        public Builder topics(Map<String, Integer> partitionsByTopic) {
            topics.putAll(partitionsByTopic);
            return this;
        }

        public Builder log(Path file) {
            this.log = file;
            return this;
        }

        public String bootstrapServers() {
            return "127.0.0.1:" + port;
        }

        /**
         * Starts the broker and returns once it said READY; fails quoting its log if it exits or takes longer than 120
         * s.
         */
        public BrokerProcess start() throws IOException, InterruptedException {
            Path logFile = ChildProcess.logFile(log, "kafka");
            long from = Files.exists(logFile) ? Files.size(logFile) : 0;
            // the broker needs only this module and Kafka, both on this JVM's classpath
            List<String> command = new ArrayList<>(List.of(
                    ChildProcess.java(),
                    "-Xmx512m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    EmbeddedKafkaMain.class.getName(),
                    "--dir",
                    dir.toAbsolutePath().toString(),
                    "--port",
                    Integer.toString(port)));
            topics.forEach((name, partitions) -> command.addAll(List.of("--topic", name + ":" + partitions)));
            ChildProcess process = ChildProcess.start(command, Map.of(), logFile);
            try {
                awaitReady(process, logFile, from);
            } catch (IOException | InterruptedException | RuntimeException e) {
                process.kill();
                throw e;
            }
            return new BrokerProcess(process, bootstrapServers());
        }

        private static void awaitReady(ChildProcess process, Path logFile, long from)
                throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                String since = since(logFile, from);
                if (since.lines().anyMatch(line -> line.startsWith("READY "))) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "the broker exited with " + process.exitCode().orElseThrow() + "; log " + logFile + ":\n"
                                    + ChildProcess.lastLines(since));
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the broker did not say READY within 120 s; log " + logFile + ":\n"
                    + ChildProcess.lastLines(since(logFile, from)));
        }

        private static String since(Path logFile, long from) throws IOException {
            byte[] all = Files.readAllBytes(logFile);
            return new String(
                    all,
                    (int) Math.min(from, all.length),
                    (int) Math.max(0, all.length - from),
                    StandardCharsets.UTF_8);
        }
    }
}

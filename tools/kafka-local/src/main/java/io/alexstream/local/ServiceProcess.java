package io.alexstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A packaged Quarkus application ({@code target/quarkus-app/quarkus-run.jar}) running as a
 * child process on a port of its own, with its output in a log file. The integration tests,
 * the benchmark and the local stack all start services through this one class.
 */
public final class ServiceProcess implements Supervisor.Child, AutoCloseable {

    private static final HttpClient PROBE =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final ChildProcess process;
    private final int port;
    private final int grpcPort;

    private ServiceProcess(String name, ChildProcess process, int port, int grpcPort) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.grpcPort = grpcPort;
    }

    /** Starts building the command line for the application packaged at {@code jar}. */
    public static Builder quarkusApp(String name, Path jar) {
        return new Builder(name, jar);
    }

    /**
     * Where the packaged {@code service} (ingest, worker, trainer) is: under the directory the
     * system property {@code alexstream.apps} names when set (the system tests unpack the apps
     * there), else where the service's own build leaves it under the repository {@code root}.
     */
    public static Path packagedApp(Path root, String service) {
        String apps = System.getProperty("alexstream.apps");
        if (apps != null && !apps.isBlank()) {
            return Path.of(apps).resolve(service).resolve("quarkus-run.jar");
        }
        return root.resolve("services").resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** Where its gRPC services listen: the separate gRPC server's port, else the HTTP port. */
    public int grpcPort() {
        return grpcPort;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    public Path log() {
        return process.log();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public OptionalInt exitCode() {
        return process.exitCode();
    }

    /** One {@code GET /q/health/live}: true on 200 within 5 s. */
    @Override
    public boolean probeLive() {
        try {
            HttpRequest live = HttpRequest.newBuilder(uri("/q/health/live"))
                    .timeout(Duration.ofSeconds(5))
                    .build();
            return PROBE.send(live, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /**
     * Waits until {@code /q/health/ready} answers 200; fails at once if the process dies,
     * quoting the end of its log.
     */
    public ServiceProcess awaitReady(Duration timeout) throws InterruptedException {
        return awaitHealth("/q/health/ready", timeout);
    }

    /** Waits until {@code /q/health/live} answers 200: started, though perhaps not ready (a worker without a model). */
    public ServiceProcess awaitLive(Duration timeout) throws InterruptedException {
        return awaitHealth("/q/health/live", timeout);
    }

    private ServiceProcess awaitHealth(String path, Duration timeout) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready =
                HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with "
                        + process.exitCode().orElseThrow() + "; log " + log() + ":\n" + logTail());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException stillStarting) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " not healthy (" + path + ") on port " + port + " after " + timeout
                + "; log " + log() + ":\n" + logTail());
    }

    /** SIGKILL: the process gets no chance to commit, flush or deregister. */
    @Override
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** SIGTERM and a graceful Quarkus shutdown; SIGKILL after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(20));
    }

    public String logTail() {
        return process.logTail();
    }

    /**
     * Command line of a {@link ServiceProcess}: system properties become Quarkus configuration; it may start several in
     * turn.
     */
    public static final class Builder {
        private final String name;
        private final Path jar;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path log;
        private int port;
        private Integer grpcPort;

        private Builder(String name, Path jar) {
            this.name = name;
            this.jar = jar;
            // the heap in 2 MB pages where the kernel offers them (THP "madvise", Debian's default): a 245 MB weights
            // push
            // touches that much fresh heap, and with 4 KB pages the faults alone cost about a second on the project's
            // machine (warm push 1.38-1.56 s against 1.86-2.26 s without, right after start 4.9-5.6 s against 6.5 s);
            // the Dockerfiles set the same flag
            jvmOptions.add("-XX:+UseTransparentHugePages");
            String nativeCache = System.getProperty("org.bytedeco.javacpp.cachedir");
            if (nativeCache != null) {
                // TensorFlow's natives are unpacked once, not per process
                property("org.bytedeco.javacpp.cachedir", nativeCache);
            }
        }

        public String name() {
            return name;
        }

        public Builder property(String key, Object value) {
            properties.put(key, String.valueOf(value));
            return this;
        }

        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        public Builder log(Path file) {
            this.log = file;
            return this;
        }

        /** The HTTP port (and the gRPC port of a service that serves gRPC on it); a free one when not set. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * The port of a service whose gRPC server listens apart from HTTP (the worker's does:
         * {@code quarkus.grpc.server.port}); 0 for a free one.
         */
        public Builder separateGrpcPort(int grpcPort) {
            this.grpcPort = grpcPort;
            return this;
        }

        public ServiceProcess start() throws IOException {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(
                        "no packaged " + name + " at " + jar + " (run mvn -DskipTests install first)");
            }
            int chosen = port > 0 ? port : freePort();
            Path logFile = ChildProcess.logFile(log, name);
            List<String> command = new ArrayList<>();
            command.add(ChildProcess.java());
            command.addAll(jvmOptions);
            properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("-Dquarkus.http.port=" + chosen);
            int chosenGrpc = chosen;
            if (grpcPort != null) {
                chosenGrpc = grpcPort > 0 ? grpcPort : freePort();
                command.add("-Dquarkus.grpc.server.port=" + chosenGrpc);
            }
            command.add("-jar");
            command.add(jar.toString());
            return new ServiceProcess(name, ChildProcess.start(command, environment, logFile), chosen, chosenGrpc);
        }
    }
}

package io.alexstream.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM whose output (standard output and error together) is appended to a log file: the
 * lifecycle that the broker and the packaged services share. {@link #stop(Duration)} asks it to
 * shut down and kills it when it does not in time, so no child outlives its owner's close.
 */
public final class ChildProcess {

    private static final int TAIL_LINES = 30;

    private final Process process;
    private final Path log;

    private ChildProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code configured}, or a fresh temporary file named after {@code name}; its directory exists afterwards. */
    public static Path logFile(Path configured, String name) throws IOException {
        Path file = configured != null ? configured : Files.createTempFile("alexstream-" + name + "-", ".log");
        Files.createDirectories(file.toAbsolutePath().getParent());
        return file;
    }

    /** The {@code java} executable of this JVM, so the children run on the same runtime. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts {@code command} with {@code environment} added to this process's, its output appended to {@code log}. */
    public static ChildProcess start(List<String> command, Map<String, String> environment, Path log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return new ChildProcess(builder.start(), log);
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once it has exited, empty while it runs. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** SIGKILL: the process gets no chance to commit, flush or deregister. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and a graceful shutdown; SIGKILL when it takes longer than {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    /** The last lines of its log, for an error message. */
    public String logTail() {
        try {
            return lastLines(Files.readString(log));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The last lines of {@code text}. */
    public static String lastLines(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }
}

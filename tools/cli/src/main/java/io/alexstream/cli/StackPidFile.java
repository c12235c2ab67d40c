package io.alexstream.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One stack per work directory: {@code stack.pid} names the process that runs it. A pid file left by a process that
 * died, or naming this very process, does not count as a running stack.
 */
final class StackPidFile {

    private final Path file;

    private StackPidFile(Path file) {
        this.file = file;
    }

    /** The pid of a stack already running in {@code work}, if any. */
    static Optional<ProcessHandle> running(Path work) {
        Path file = work.resolve("stack.pid");
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(file).trim());
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> p.pid() != ProcessHandle.current().pid());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Fails, saying how to stop it, when another stack runs from {@code work}. */
    static void requireNoneRunning(Path work) {
        Optional<ProcessHandle> other = running(work);
        if (other.isPresent()) {
            throw new IllegalStateException("a stack is already running from " + work + " (pid "
                    + other.get().pid() + "); stop it with ./alexstream down, or use another --work directory");
        }
    }

    /** Claims {@code work} for this process; call {@link #requireNoneRunning} first. */
    static StackPidFile claim(Path work) throws IOException {
        Path file = work.resolve("stack.pid");
        Files.writeString(file, Long.toString(ProcessHandle.current().pid()));
        return new StackPidFile(file);
    }

    void release() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the pid inside names a dead process, which running() ignores
        }
    }
}

package io.alexstream.cli;

import io.alexstream.local.Supervisor;
import java.io.PrintStream;
import java.time.LocalTime;
import java.util.Locale;

/**
 * Prints each of the supervisor's restarts as one timestamped console line, then passes it on to {@code next}, so a
 * caller that counts restarts hears of them only after the operator could read them.
 */
final class RestartConsole implements Supervisor.Listener {

    private final PrintStream out;
    private final Supervisor.Listener next;

    RestartConsole(PrintStream out, Supervisor.Listener next) {
        this.out = out;
        this.next = next;
    }

    @Override
    public void restarting(Supervisor.Restart restart) {
        out.printf(Locale.ROOT, "%s supervisor: %s%n", LocalTime.now().withNano(0), restart.describe());
        next.restarting(restart);
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
        next.restarted(service, pid, attempt);
    }
}

package io.alexstream.trainer.evaluation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.jboss.logging.Logger;

/**
 * The answer to an evaluator stream thread's failure: replace the thread, unless a source topic is missing or threads
 * keep failing ({@link #MAX_FAILURES} within {@link #WINDOW}). Then the client stops (ERROR) and the
 * {@link EvaluatorSupervisor} starts a new one after its back-off: a replaced thread would rejoin the group at once,
 * fail the same way and spin, while the state said only REBALANCING.
 */
final class ThreadFailures {

    static final int MAX_FAILURES = 3;
    static final Duration WINDOW = Duration.ofMinutes(1);

    private static final Logger LOG = Logger.getLogger(ThreadFailures.class);
    private static final int MAX_REASON_CHARS = 300;

    private final Deque<Instant> recent = new ArrayDeque<>();

    synchronized StreamThreadExceptionResponse answer(Throwable failure, Instant now) {
        String reason = describe(failure);
        if (causedBy(failure, MissingSourceTopicException.class)) {
            LOG.warnf("evaluator stopped: %s", reason);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        recent.addLast(now);
        while (recent.peekFirst().isBefore(now.minus(WINDOW))) {
            recent.removeFirst();
        }
        if (recent.size() >= MAX_FAILURES) {
            recent.clear();
            LOG.warnf(
                    failure,
                    "evaluator stopped: %d thread failures within %s, the last: %s",
                    MAX_FAILURES,
                    WINDOW,
                    reason);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.warnf(failure, "evaluator stream thread failed, replacing it: %s", reason);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** One line for the health data: a missing source topic as such, anything else by its root cause. */
    static String describe(Throwable failure) {
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof MissingSourceTopicException) {
                return bounded("source topic missing: " + t.getMessage());
            }
            root = t;
        }
        String message = root.getMessage();
        return bounded(root.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }

    private static String bounded(String text) {
        return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "...";
    }
}

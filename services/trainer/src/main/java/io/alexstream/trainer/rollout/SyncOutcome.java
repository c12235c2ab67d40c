package io.alexstream.trainer.rollout;

import io.grpc.Status;

/** How one worker's Sync ended, as the {@code result} tag of {@code alexstream.trainer.push.duration} names it. */
public enum SyncOutcome {
    /** The worker now serves the version. */
    CONVERGED("accepted"),
    /** The worker refused the version and keeps its weights: a rollout stops there. */
    REFUSED("refused"),
    /** No answer, or the worker is still on another version: retried by the reconciler. */
    UNREACHABLE("unreachable");

    private final String metricResult;

    SyncOutcome(String metricResult) {
        this.metricResult = metricResult;
    }

    String metricResult() {
        return metricResult;
    }

    /** The codes a worker refuses a version with ({@code ModelReceiver.Sync}'s contract); the rest: unreachable. */
    static SyncOutcome ofFailure(Status.Code code) {
        return code == Status.Code.INVALID_ARGUMENT
                        || code == Status.Code.FAILED_PRECONDITION
                        || code == Status.Code.RESOURCE_EXHAUSTED
                ? REFUSED
                : UNREACHABLE;
    }
}

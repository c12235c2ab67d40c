package io.alexstream.trainer.rollout;

import java.time.Instant;

/**
 * One worker as the trainer sees it: what it serves, what it should serve, and why they differ,
 * as {@code GET /v1/status} lists it under {@code workers}. {@code configured}: listed in
 * {@code alexstream.trainer.workers}, so it never expires; {@code servingVersion} -1: not heard from yet.
 * {@code shadow}: a shadow worker, which answers no callers and serves the canary version while one runs.
 */
public record WorkerState(
        String id,
        String address,
        long servingVersion,
        long desiredVersion,
        String reason,
        String lastPushResult,
        double lastPushSeconds,
        boolean configured,
        Instant lastSeen,
        boolean shadow) {

    WorkerState served(long version, Instant seen) {
        return new WorkerState(
                id,
                address,
                version,
                desiredVersion,
                reason,
                lastPushResult,
                lastPushSeconds,
                configured,
                seen,
                shadow);
    }

    WorkerState synced(long version, String outcome, double seconds) {
        return new WorkerState(
                id, address, version, desiredVersion, reason, outcome, seconds, configured, lastSeen, shadow);
    }

    WorkerState wants(long desired, String why) {
        return new WorkerState(
                id,
                address,
                servingVersion,
                desired,
                why,
                lastPushResult,
                lastPushSeconds,
                configured,
                lastSeen,
                shadow);
    }

    public boolean converged() {
        return servingVersion == desiredVersion;
    }
}

package io.alexstream.cli;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.WorkerRegistration;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/**
 * A chaos fault: a fake worker, {@code chaos-trap}, registered with the trainer under the worker token at the
 * {@link SecretTrap}'s address, and kept registered with a heartbeat every 10 s like a real worker, so every rollout
 * from then on sees it (and must not hand it a secret).
 */
final class TrapRegistration implements AutoCloseable {

    private final Channel trainer;
    private final String workerToken;
    private final String address;
    private final Thread heartbeat;

    /** {@code address}: HOST:PORT of the trap, as the trainer can reach it. */
    TrapRegistration(Channel trainer, String workerToken, String address) {
        this.trainer = trainer;
        this.workerToken = workerToken;
        this.address = address;
        this.heartbeat = new Thread(this::registerForever, "chaos-fake-worker");
        this.heartbeat.setDaemon(true);
    }

    /** Registers once, starts the heartbeat, and returns the first registration's outcome. */
    String register() {
        String outcome = registerOnce();
        heartbeat.start();
        return outcome;
    }

    private String registerOnce() {
        try {
            long version = ModelRegistryGrpc.newBlockingStub(trainer)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .withCallCredentials(new BearerCredentials(workerToken))
                    .registerWorker(WorkerRegistration.newBuilder()
                            .setWorkerId("chaos-trap")
                            .setAddress(address)
                            .setServingVersion(0)
                            .build())
                    .getCurrentVersion();
            return "accepted (trainer at version " + version + ")";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    private void registerForever() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                TimeUnit.SECONDS.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
            registerOnce();
        }
    }

    /** Stops the heartbeat. */
    @Override
    public void close() {
        heartbeat.interrupt();
    }
}

package io.alexstream.worker.health;

import io.alexstream.worker.inference.ServingModel;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN once the batcher's thread has ended while the worker runs: nothing but a restart heals
 * that, so liveness asks the supervisor (./alexstream up, compose, Kubernetes) for one.
 */
@Liveness
@ApplicationScoped
public class BatcherLiveness implements HealthCheck {

    private final ServingModel models;

    public BatcherLiveness(ServingModel models) {
        this.models = models;
    }

    @Override
    public HealthCheckResponse call() {
        boolean alive = models.batcher() == null || models.batcher().alive();
        return HealthCheckResponse.named("batcher").status(alive).build();
    }
}

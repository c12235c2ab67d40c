package io.alexstream.worker.health;

import io.alexstream.worker.inference.ServingModel;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while a model is loaded (nothing is answered by random weights) and the batcher
 * answers: after an {@code Error} in a session run, readiness is DOWN until a run succeeds.
 */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final ServingModel models;

    public ModelReadiness(ServingModel models) {
        this.models = models;
    }

    @Override
    public HealthCheckResponse call() {
        java.util.Optional<String> batcherFailure = models.batcher() == null
                ? java.util.Optional.empty()
                : models.batcher().failure();
        boolean up = models.ready() && batcherFailure.isEmpty();
        var builder = HealthCheckResponse.named("model").status(up).withData("device", models.device());
        if (!models.ready() && models.lastError() != null) {
            builder.withData("reason", models.lastError());
        }
        batcherFailure.ifPresent(failure -> builder.withData("batcher", failure));
        return builder.build();
    }
}

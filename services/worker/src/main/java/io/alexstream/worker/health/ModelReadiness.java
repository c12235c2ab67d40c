package io.alexstream.worker.health;

import io.alexstream.worker.inference.ModelService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while a model is loaded: nothing is answered by random weights. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final ModelService models;

    public ModelReadiness(ModelService models) {
        this.models = models;
    }

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("model").status(models.ready()).withData("device", models.device());
        if (!models.ready() && models.lastError() != null) {
            builder.withData("reason", models.lastError());
        }
        return builder.build();
    }
}

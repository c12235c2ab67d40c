package io.alexstream.worker.health;

import io.alexstream.worker.messaging.ConsumerStallGuard;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** DOWN when images have waited in Kafka with nothing consumed for minutes: a restart of this worker heals it. */
@Liveness
@ApplicationScoped
public class ConsumerLiveness implements HealthCheck {

    private final ConsumerStallGuard guard;

    public ConsumerLiveness(ConsumerStallGuard guard) {
        this.guard = guard;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("images-consumer")
                .status(!guard.stalled())
                .build();
    }
}

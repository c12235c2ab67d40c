package io.alexstream.trainer.health;

import io.alexstream.trainer.evaluation.Evaluator;
import io.alexstream.trainer.evaluation.EvaluatorSupervisor;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * {@code /q/health/group/evaluator}: DOWN while the live evaluator does not run (its Kafka Streams client died and
 * waits for its restart, a topic it needs is missing, or it has started or rebalanced for longer than
 * {@code alexstream.evaluation.rebalancing-grace}), with the reason; UP with {@code enabled=false} when it is off.
 *
 * <p>A health group of its own, deliberately not {@code @Readiness} nor {@code @Liveness}: the trainer's other work
 * (training rounds, the model registry the workers load weights from, rollouts and rollbacks) does not need the
 * evaluator, so an unready trainer would take the model registry out of the Kubernetes Service, and a failed liveness
 * would restart it, for a side function whose supervisor already restarts it. It is watched through
 * {@code alexstream_evaluation_running} and the alert {@code AlexstreamEvaluatorDown} instead.
 */
@HealthGroup("evaluator")
@ApplicationScoped
public class EvaluatorHealthCheck implements HealthCheck {

    private final Evaluator evaluator;

    public EvaluatorHealthCheck(Evaluator evaluator) {
        this.evaluator = evaluator;
    }

    @Override
    public HealthCheckResponse call() {
        return evaluator
                .health()
                .map(EvaluatorHealthCheck::response)
                .orElseGet(() -> HealthCheckResponse.named("evaluator")
                        .up()
                        .withData("enabled", false)
                        .build());
    }

    static HealthCheckResponse response(EvaluatorSupervisor.Health health) {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("evaluator")
                .status(health.up())
                .withData("enabled", true)
                .withData("state", health.state())
                .withData("restarts", health.restarts());
        if (health.reason() != null) {
            builder.withData("reason", health.reason());
        }
        if (health.lastFailure() != null) {
            builder.withData("last_failure", health.lastFailure());
        }
        return builder.build();
    }
}

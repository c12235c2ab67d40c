package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The live evaluator: predictions joined with late labels, figures per model version (evaluation package). */
@ConfigMapping(prefix = "alexstream.evaluation")
public interface EvaluationConfig {

    /** Run the evaluator (a Kafka Streams application inside the trainer). */
    @WithDefault("true")
    boolean enabled();

    /** The Kafka Streams application id: its consumer group, and the prefix of its changelog topics. */
    @WithDefault("alexstream-evaluator")
    String applicationId();

    /** The evaluator's local state (a cache of its changelogs); absent: {@code <trainer data-dir>/evaluator}. */
    Optional<String> stateDir();

    /** A label whose record time is more than this after a prediction's is not joined to it (out_of_window). */
    @WithDefault("PT10M")
    Duration window();

    /**
     * Predictions, labels and review copies older than this (in stream time) are forgotten; a label for a forgotten
     * image counts as unknown_id and trains nothing. At least the window.
     */
    @WithDefault("PT1H")
    Duration retention();

    /**
     * Most bytes of review copies (images the workers were unsure of, waiting for a person's label) kept per partition
     * of the review topic; past it a new copy is dropped (counted) until labels or the retention free room.
     */
    @WithDefault("1073741824")
    long reviewMaxBytes();

    /**
     * The wait before the evaluator is started again after it died (Kafka Streams state ERROR, e.g. a source topic was
     * missing) or could not start, doubled after each restart that did not last; also how often the broker is asked
     * whether missing topics exist yet.
     */
    @WithDefault("PT5S")
    Duration restartBackoff();

    /** The longest wait between two restarts of the evaluator. */
    @WithDefault("PT5M")
    Duration restartMaxBackoff();

    /**
     * How long the evaluator may start or rebalance before its health check ({@code /q/health/group/evaluator}) says
     * DOWN; a new machine restoring a large state from the changelogs may need longer.
     */
    @WithDefault("PT2M")
    Duration rebalancingGrace();

    /**
     * Compare the shadow workers' answers ({@code alexstream.topics.predictions-shadow}) with the serving ones by image
     * id within the window: agreement per shadow version, known in seconds. Off by default: the evaluator does not run
     * without its source topics, and most deployments have no shadow topic.
     */
    @WithDefault("false")
    boolean shadowAgreement();
}

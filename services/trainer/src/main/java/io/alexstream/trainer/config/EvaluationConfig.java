package io.alexstream.trainer.config;

import io.alexstream.contracts.Topics;
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
     * Predictions and labels older than this (in stream time) are forgotten; a label for a forgotten image counts as
     * unknown_id. At least the window.
     */
    @WithDefault("PT1H")
    Duration retention();

    /** The workers' answers (JSON), read. */
    @WithDefault(Topics.PREDICTIONS)
    String predictionsTopic();

    /** Late labels (key = image id, header label), read. */
    @WithDefault(Topics.LABELS)
    String labelsTopic();

    /** Live figures per model version (JSON, key = version), written. */
    @WithDefault(Topics.EVALUATIONS)
    String evaluationsTopic();
}

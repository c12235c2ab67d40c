package io.alexstream.trainer.evaluation;

import io.alexstream.engine.model.Profiles;
import io.alexstream.trainer.config.EvaluationConfig;
import io.alexstream.trainer.config.TrainerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Everything the evaluation topology depends on, so it is a pure function of this (and testable without Quarkus). */
public record EvaluationSettings(
        EvaluationTopics topics, Duration window, Duration retention, long reviewMaxBytes, List<String> classNames) {

    public EvaluationSettings {
        if (window.isNegative() || retention.compareTo(window) < 0) {
            throw new IllegalArgumentException(
                    "alexstream.evaluation.retention (" + retention + ") must be at least the window (" + window + ")");
        }
        if (reviewMaxBytes < 0) {
            throw new IllegalArgumentException(
                    "alexstream.evaluation.review-max-bytes (" + reviewMaxBytes + ") must not be negative");
        }
        classNames = List.copyOf(classNames);
    }

    public static EvaluationSettings of(EvaluationConfig evaluation, TrainerConfig trainer, EvaluationTopics topics) {
        return new EvaluationSettings(
                topics,
                evaluation.window(),
                evaluation.retention(),
                evaluation.reviewMaxBytes(),
                Profiles.byName(trainer.profile()).classNames());
    }

    public int classes() {
        return classNames.size();
    }

    /** The class a label header names (a 0-based index or a class name, any case), or -1: as the trainer reads them. */
    public int classIndex(String label) {
        if (label == null || label.isBlank()) {
            return -1;
        }
        String trimmed = label.trim();
        try {
            int index = Integer.parseInt(trimmed);
            return index >= 0 && index < classes() ? index : -1;
        } catch (NumberFormatException notANumber) {
            for (int i = 0; i < classNames.size(); i++) {
                if (classNames.get(i).toLowerCase(Locale.ROOT).equals(trimmed.toLowerCase(Locale.ROOT))) {
                    return i;
                }
            }
            return -1;
        }
    }
}

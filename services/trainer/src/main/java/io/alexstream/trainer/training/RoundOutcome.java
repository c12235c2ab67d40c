package io.alexstream.trainer.training;

import java.util.Locale;

/**
 * How a round ended, as the {@code outcome} tag of {@code alexstream.trainer.rounds} names it.
 * {@link #SUPERSEDED}: an operator's rollback moved the current version while the round trained.
 */
public enum RoundOutcome {
    PROMOTED,
    REJECTED,
    SUPERSEDED,
    FAILED;

    /** The metric tag: the name in lower case. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}

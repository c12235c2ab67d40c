package io.alexstream.trainer.evaluation;

/**
 * Told of every committed-or-retried update the topology makes; each call carries totals, not increments, so a
 * transaction that aborts and is processed again only repeats the same values.
 */
public interface EvaluationListener {

    EvaluationListener NONE = new EvaluationListener() {
        @Override
        public void figures(VersionFigures figures) {}

        @Override
        public void outcome(Outcome outcome, String task, long total) {}
    };

    /** A version's figures after a label joined one of its predictions. */
    void figures(VersionFigures figures);

    /** How many records had this outcome so far in one task (a partition of the inputs); tasks add up. */
    void outcome(Outcome outcome, String task, long total);

    /** A shadow version's totals in one task: its answers compared with a serving one, and those that agreed. */
    default void shadow(long version, String task, long compared, long agreed) {}
}

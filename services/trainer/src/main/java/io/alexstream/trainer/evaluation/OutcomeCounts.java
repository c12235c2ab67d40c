package io.alexstream.trainer.evaluation;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's outcome counts in the {@link EvaluationTopology#OUTCOMES_STORE}: increments go to the store (so they are
 * committed with the input offsets) and the listener hears the task's new total.
 */
final class OutcomeCounts {

    private final KeyValueStore<String, Long> store;
    private final EvaluationListener listener;
    private final String task;

    OutcomeCounts(ProcessorContext<?, ?> context, EvaluationListener listener) {
        this.store = context.getStateStore(EvaluationTopology.OUTCOMES_STORE);
        this.listener = listener;
        this.task = context.taskId().toString();
    }

    void count(Outcome outcome) {
        Long before = store.get(outcome.name());
        long total = (before == null ? 0 : before) + 1;
        store.put(outcome.name(), total);
        listener.outcome(outcome, task, total);
    }
}

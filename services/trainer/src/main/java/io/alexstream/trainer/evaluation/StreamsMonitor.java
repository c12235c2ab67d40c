package io.alexstream.trainer.evaluation;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Told by an {@link EvaluationStreams} of its state changes and of a stream thread's failure, which it answers. Both
 * calls come from Kafka Streams' own threads: they record and decide, never block or close the client.
 */
public interface StreamsMonitor {

    /** Logs nothing more, and replaces a failed thread: the evaluator's behaviour without a supervisor. */
    StreamsMonitor NONE = new StreamsMonitor() {
        @Override
        public void stateChanged(KafkaStreams.State now, KafkaStreams.State before) {}

        @Override
        public StreamThreadExceptionResponse threadFailed(Throwable failure) {
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
    };

    void stateChanged(KafkaStreams.State now, KafkaStreams.State before);

    /** What to do about a stream thread that threw: replace it, or stop the client (state ERROR). */
    StreamThreadExceptionResponse threadFailed(Throwable failure);
}

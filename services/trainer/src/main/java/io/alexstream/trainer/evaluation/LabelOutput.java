package io.alexstream.trainer.evaluation;

import org.apache.kafka.streams.processor.api.Record;

/** What {@link LabelProcessor} emits: a join for a version's figures, or a training example from a review copy. */
sealed interface LabelOutput {

    /** A label joined to one version's answer (JSON), keyed by the version. */
    record Join(String json) implements LabelOutput {}

    /** A review copy with its label (the image bytes; the headers travel on the record), keyed by the image id. */
    record Example(byte[] image) implements LabelOutput {}

    static Record<String, LabelOutput> example(Record<String, byte[]> example) {
        return example.withValue(new Example(example.value()));
    }
}

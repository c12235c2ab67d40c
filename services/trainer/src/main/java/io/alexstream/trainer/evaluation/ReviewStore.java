package io.alexstream.trainer.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's review copies by image id ({@link EvaluationTopology#REVIEW_STORE}) and the bytes they hold
 * ({@link EvaluationTopology#REVIEW_BYTES_STORE}), both in the task's transaction. A copy becomes at most one
 * training example: using it leaves a marker until the retention forgets it.
 */
final class ReviewStore {

    private static final String BYTES = "bytes";

    private final KeyValueStore<String, byte[]> copies;
    private final KeyValueStore<String, Long> usage;
    private final long maxBytes;

    ReviewStore(ProcessorContext<?, ?> context, long maxBytes) {
        this.copies = context.getStateStore(EvaluationTopology.REVIEW_STORE);
        this.usage = context.getStateStore(EvaluationTopology.REVIEW_BYTES_STORE);
        this.maxBytes = maxBytes;
    }

    boolean contains(String imageId) {
        return copies.get(imageId) != null;
    }

    /** Keeps an unused copy unless that would pass the bytes budget; false: not kept. */
    boolean keep(String imageId, ReviewCopy copy) {
        long used = usedBytes();
        if (used + copy.bytes() > maxBytes) {
            return false;
        }
        copies.put(imageId, copy.toState());
        usage.put(BYTES, used + copy.bytes());
        return true;
    }

    /** Remembers that this image's copy already trained (a copy that came after its label). */
    void keepUsed(String imageId, ReviewCopy copy) {
        copies.put(imageId, copy.asUsed().toState());
    }

    /** The image's unused copy as a training example with this label, marking the copy used; empty: none waits. */
    Optional<Record<String, byte[]>> use(String imageId, String label, long recordTime) {
        byte[] state = copies.get(imageId);
        if (state == null) {
            return Optional.empty();
        }
        ReviewCopy copy = ReviewCopy.fromState(state);
        if (copy.used()) {
            return Optional.empty();
        }
        copies.put(imageId, copy.asUsed().toState());
        usage.put(BYTES, Math.max(0, usedBytes() - copy.bytes()));
        return Optional.of(copy.example(imageId, label, recordTime));
    }

    /** Forgets copies and markers older than {@code oldest} (record time). */
    void prune(long oldest) {
        List<String> forget = new ArrayList<>();
        long freed = 0;
        try (KeyValueIterator<String, byte[]> all = copies.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                ReviewCopy copy = ReviewCopy.fromState(entry.value);
                if (copy.timestamp() < oldest) {
                    forget.add(entry.key);
                    freed += copy.bytes();
                }
            }
        }
        forget.forEach(copies::delete);
        if (freed > 0) {
            usage.put(BYTES, Math.max(0, usedBytes() - freed));
        }
    }

    long usedBytes() {
        Long used = usage.get(BYTES);
        return used == null ? 0 : used;
    }
}

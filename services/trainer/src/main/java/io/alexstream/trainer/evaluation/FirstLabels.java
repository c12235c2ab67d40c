package io.alexstream.trainer.evaluation;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The first label per image ({@link EvaluationTopology#LABELS_STORE}): "class,record time,label as received". State
 * written before review copies were made training examples has no third part; the class index stands in for it.
 */
final class FirstLabels {

    private final KeyValueStore<String, String> store;

    FirstLabels(KeyValueStore<String, String> store) {
        this.store = store;
    }

    /** The first label's class index, or -1 when the image has none. */
    int classOf(String imageId) {
        String first = store.get(imageId);
        return first == null ? -1 : Integer.parseInt(first.split(",", 3)[0]);
    }

    /** The first label as it was received (a class index or name), or null when the image has none. */
    String received(String imageId) {
        String first = store.get(imageId);
        if (first == null) {
            return null;
        }
        String[] parts = first.split(",", 3);
        return parts.length == 3 ? parts[2] : parts[0];
    }

    void remember(String imageId, int classIndex, long recordTime, String received) {
        store.put(imageId, classIndex + "," + recordTime + "," + received);
    }

    /** Forgets labels older than {@code oldest} (record time). */
    void prune(long oldest) {
        List<String> forget = new ArrayList<>();
        try (KeyValueIterator<String, String> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, String> entry = all.next();
                if (Long.parseLong(entry.value.split(",", 3)[1]) < oldest) {
                    forget.add(entry.key);
                }
            }
        }
        forget.forEach(store::delete);
    }
}

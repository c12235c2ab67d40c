package io.alexstream.trainer.training;

import io.alexstream.engine.image.ImageLimits;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.Preprocessor;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.training.Example;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.ExampleStore;
import io.alexstream.trainer.store.HoldoutSplit;
import io.alexstream.trainer.store.StoredExample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer's examples: the durable {@link ExampleStore} plus the decoded images (decoded
 * once on arrival, or on the first round after a restart), split into training and holdout
 * by image id. Fires {@link NewExamples} after each stored batch so rounds can start.
 */
@ApplicationScoped
public class ExampleBank {

    /** Stored examples that were new, and how many of them are for training. */
    public record NewExamples(int stored, int training) {
    }

    /** A labeled record that passed the checks, ready to store. */
    public record Arrival(StoredExample example, ScaledImage image) {
    }

    /** What a round trains and judges on, and where in the topic it came from. */
    public record Snapshot(List<Example> training, List<Example> validation, List<Example> holdout,
                           List<WeightsMetadata.OffsetRange> lineage) {
    }

    private final AlexNetConfig modelConfig;
    private final ExampleStore store;
    private final HoldoutSplit split;
    private final Preprocessor preprocessor;
    private final String topic;
    private final Event<NewExamples> events;
    private final Map<String, ScaledImage> decoded = new ConcurrentHashMap<>();
    private final AtomicLong storedSinceStart = new AtomicLong();
    private final AtomicLong duplicatesSkipped = new AtomicLong();
    private final Counter storedCounter;

    public ExampleBank(TrainerConfig config, Event<NewExamples> events, MeterRegistry metrics,
                       @org.eclipse.microprofile.config.inject.ConfigProperty(name = "alexstream.topics.labeled-images") String topic) {
        this.modelConfig = Profiles.byName(config.profile());
        this.split = new HoldoutSplit(config.holdoutPercent());
        this.preprocessor = new Preprocessor(new ImageLimits(20L << 20, 12000, 40_000_000L), modelConfig.scaleSize());
        this.topic = topic;
        this.events = events;
        try {
            this.store = ExampleStore.open(Path.of(config.dataDir()).resolve("examples"), config.maxStoreBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the example store under " + config.dataDir(), e);
        }
        this.storedCounter = Counter.builder("alexstream.trainer.examples.stored").register(metrics);
        Gauge.builder("alexstream.trainer.examples", store, ExampleStore::size).strongReference(true).register(metrics);
        Gauge.builder("alexstream.trainer.store.bytes", store, ExampleStore::bytes).baseUnit("bytes").strongReference(true).register(metrics);
    }

    /** The class index a label header names (an index or a class name), or -1. */
    public int classIndex(String label) {
        if (label == null || label.isBlank()) {
            return -1;
        }
        try {
            int index = Integer.parseInt(label.trim());
            return index >= 0 && index < modelConfig.numClasses() ? index : -1;
        } catch (NumberFormatException notANumber) {
            List<String> names = modelConfig.classNames();
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).toLowerCase(Locale.ROOT).equals(label.trim().toLowerCase(Locale.ROOT))) {
                    return i;
                }
            }
            return -1;
        }
    }

    public boolean isHoldout(String imageId) {
        return split.isHoldout(imageId);
    }

    /** Decodes and checks the image the way a worker would. */
    public Arrival check(StoredExample example) throws ImageRejectedException {
        return new Arrival(example, preprocessor.prepare(example.encoded()));
    }

    /**
     * Stores the arrivals durably (skipping any already stored), then announces what was new.
     * Synchronized with {@link #stats()}: a status request that waited for the store's lock
     * during the append used to run between the append and the counters, and report the new
     * examples as stored but not as stored since start (RolloutIT saw 3,200 stored, 0 since start).
     */
    public synchronized void add(List<Arrival> arrivals) throws IOException {
        if (arrivals.isEmpty()) {
            return;
        }
        List<StoredExample> fresh = store.append(arrivals.stream().map(Arrival::example).toList());
        duplicatesSkipped.addAndGet(arrivals.size() - fresh.size());
        if (fresh.isEmpty()) {
            return;
        }
        Map<String, ScaledImage> images = new java.util.HashMap<>();
        arrivals.forEach(a -> images.put(a.example().position(), a.image()));
        int training = 0;
        for (StoredExample example : fresh) {
            decoded.put(example.position(), images.get(example.position()));
            if (!example.holdout()) {
                training++;
            }
        }
        storedSinceStart.addAndGet(fresh.size());
        storedCounter.increment(fresh.size());
        events.fire(new NewExamples(fresh.size(), training));
    }

    /** Every stored example, decoded, split into training and holdout, with the offset ranges they span. */
    public Snapshot snapshot() {
        List<StoredExample> all = store.examples();
        List<Example> training = new ArrayList<>();
        List<Example> holdout = new ArrayList<>();
        List<Example> validation = new ArrayList<>();
        Map<Integer, long[]> ranges = new TreeMap<>();
        for (StoredExample stored : all) {
            ScaledImage image = decoded.computeIfAbsent(stored.position(), p -> decode(stored));
            if (image == null) {
                continue;
            }
            Example example = new Example(image, stored.label());
            if (!stored.holdout()) {
                training.add(example);
            } else if (split.isValidation(stored.imageId())) {
                validation.add(example);
            } else {
                holdout.add(example);
            }
            if (!stored.holdout()) {
                ranges.merge(stored.partition(), new long[] {stored.offset(), stored.offset() + 1},
                        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        List<WeightsMetadata.OffsetRange> lineage = new ArrayList<>();
        ranges.forEach((partition, range) -> lineage.add(new WeightsMetadata.OffsetRange(topic, partition, range[0], range[1])));
        return new Snapshot(training, validation, holdout, lineage);
    }

    private ScaledImage decode(StoredExample stored) {
        try {
            return preprocessor.prepare(stored.encoded());
        } catch (ImageRejectedException e) {
            return null;
        }
    }

    public AlexNetConfig modelConfig() {
        return modelConfig;
    }

    /** Counts for the status endpoint, consistent with each other (see {@link #add}). */
    public synchronized Map<String, Object> stats() {
        List<StoredExample> all = store.examples();
        long holdout = all.stream().filter(StoredExample::holdout).count();
        Map<String, Object> stats = new java.util.LinkedHashMap<>();
        stats.put("stored", all.size());
        stats.put("training", all.size() - holdout);
        stats.put("holdout", holdout);
        stats.put("bytes", store.bytes());
        stats.put("stored_since_start", storedSinceStart.get());
        stats.put("duplicates_skipped", duplicatesSkipped.get());
        stats.put("evicted", store.evicted());
        stats.put("next_offsets", store.nextOffsets());
        return stats;
    }

    @PreDestroy
    void close() throws IOException {
        store.close();
    }
}

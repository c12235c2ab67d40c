package io.alexstream.trainer.training;

import io.alexstream.contracts.ImageLimits;
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
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The trainer's examples: the durable {@link ExampleStore} plus a cache of decoded images,
 * split into training and holdout by image id. Fires {@link NewExamples} after each stored batch
 * so rounds can start.
 * <p>
 * The cache holds at most {@link TrainerConfig#maxDecodedCacheBytes()} of pixels: the images of
 * the newest examples (put on arrival, or by the first round after a restart). Past the bound the
 * oldest cached images are dropped, and every round decodes the older examples again from their
 * stored bytes. A round's {@link Snapshot} still holds every image it trains on until the round
 * ends, whatever the bound; the bound is what stays between rounds.
 */
// eager: the store opens and the examples gauges exist from start-up, before the first labelled record
@Startup
@ApplicationScoped
public class ExampleBank {

    private static final Logger LOG = Logger.getLogger(ExampleBank.class);

    /** Stored examples that were new, and how many of them are for training. */
    public record NewExamples(int stored, int training) {}

    /** A labeled record that passed the checks, ready to store. */
    public record Arrival(StoredExample example, ScaledImage image) {}

    /** What a round trains and judges on, and where in the topic it came from. */
    public record Snapshot(
            List<Example> training,
            List<Example> validation,
            List<Example> holdout,
            List<WeightsMetadata.OffsetRange> lineage) {}

    private final AlexNetConfig modelConfig;
    private final ExampleStore store;
    private final HoldoutSplit split;
    private final Preprocessor preprocessor;
    private final String topic;
    private final Event<NewExamples> events;
    private final DecodedImages decoded;
    private final AtomicLong storedSinceStart = new AtomicLong();
    private final Counter storedCounter;

    public ExampleBank(
            TrainerConfig config,
            Event<NewExamples> events,
            MeterRegistry metrics,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "alexstream.topics.labeled-images")
                    String topic) {
        this.modelConfig = Profiles.byName(config.profile());
        this.split = new HoldoutSplit(config.holdoutPercent());
        this.preprocessor = new Preprocessor(ImageLimits.DEFAULT, modelConfig.scaleSize());
        this.topic = topic;
        this.events = events;
        this.decoded = new DecodedImages(config.maxDecodedCacheBytes());
        try {
            this.store = ExampleStore.open(
                    Path.of(config.dataDir()).resolve("examples"), config.maxStoreBytes(), decoded::removeAll);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the example store under " + config.dataDir(), e);
        }
        this.storedCounter =
                Counter.builder("alexstream.trainer.examples.stored").register(metrics);
        FunctionCounter.builder("alexstream.trainer.examples.duplicates", store, ExampleStore::duplicates)
                .description("Labeled records skipped because their image id and bytes were stored already")
                .register(metrics);
        Gauge.builder("alexstream.trainer.decoded.cache.bytes", decoded, DecodedImages::bytes)
                .baseUnit("bytes")
                .strongReference(true)
                .register(metrics);
        Gauge.builder("alexstream.trainer.examples", store, ExampleStore::size)
                .strongReference(true)
                .register(metrics);
        Gauge.builder("alexstream.trainer.store.bytes", store, ExampleStore::bytes)
                .baseUnit("bytes")
                .strongReference(true)
                .register(metrics);
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
     * Synchronized with {@link #stats()}: otherwise a status request could run between the append
     * and the counters, and report the new examples as stored but not as stored since start.
     */
    public synchronized void add(List<Arrival> arrivals) throws IOException {
        if (arrivals.isEmpty()) {
            return;
        }
        List<StoredExample> fresh =
                store.append(arrivals.stream().map(Arrival::example).toList());
        if (fresh.isEmpty()) {
            return;
        }
        Map<StoredExample, ScaledImage> images = new HashMap<>();
        arrivals.forEach(a -> images.put(a.example(), a.image()));
        int training = 0;
        for (StoredExample example : fresh) {
            decoded.put(example, images.get(example));
            if (!example.holdout()) {
                training++;
            }
        }
        storedSinceStart.addAndGet(fresh.size());
        storedCounter.increment(fresh.size());
        try {
            events.fire(new NewExamples(fresh.size(), training));
        } catch (RuntimeException e) {
            // the examples are on disk; an observer that failed must not fail the batch (it would be read, and skipped,
            // again)
            LOG.errorf(e, "announcing %d new examples failed", fresh.size());
        }
    }

    /** Every stored example, decoded, split into training and holdout, with the offset ranges they span. */
    public Snapshot snapshot() {
        List<StoredExample> all = store.examples();
        List<Example> training = new ArrayList<>();
        List<Example> holdout = new ArrayList<>();
        List<Example> validation = new ArrayList<>();
        Map<Integer, long[]> ranges = new TreeMap<>();
        // only the newest examples' images are put back: older ones would push out images this loop still needs
        int imageBytes = modelConfig.scaleSize() * modelConfig.scaleSize() * 3;
        int firstCached = all.size() - (int) Math.min(all.size(), decoded.maxBytes() / imageBytes);
        int undecodable = 0;
        for (int i = 0; i < all.size(); i++) {
            StoredExample stored = all.get(i);
            ScaledImage image = decoded.get(stored);
            if (image == null) {
                image = decode(stored);
                if (image == null) {
                    undecodable++;
                    continue;
                }
                if (i >= firstCached) {
                    decoded.put(stored, image);
                }
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
                ranges.merge(stored.partition(), new long[] {stored.offset(), stored.offset() + 1}, (a, b) ->
                        new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        if (undecodable > 0) {
            LOG.warnf("%d stored examples did not decode again; this round leaves them out", undecodable);
        }
        List<WeightsMetadata.OffsetRange> lineage = new ArrayList<>();
        ranges.forEach((partition, range) ->
                lineage.add(new WeightsMetadata.OffsetRange(topic, partition, range[0], range[1])));
        return new Snapshot(training, validation, holdout, lineage);
    }

    /**
     * The image again from its stored bytes, or null: one bad example (even an Error from a decoder) costs only itself.
     */
    private ScaledImage decode(StoredExample stored) {
        try {
            return preprocessor.prepare(stored.encoded());
        } catch (ImageRejectedException e) {
            return null;
        } catch (Throwable e) {
            LOG.warnf("stored example at %d@%d does not decode: %s", stored.partition(), stored.offset(), e);
            return null;
        }
    }

    /** Counts for the status endpoint, consistent with each other (see {@link #add}). */
    public synchronized Map<String, Object> stats() {
        List<StoredExample> all = store.examples();
        long holdout = all.stream().filter(StoredExample::holdout).count();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("stored", all.size());
        stats.put("training", all.size() - holdout);
        stats.put("holdout", holdout);
        stats.put("bytes", store.bytes());
        stats.put("stored_since_start", storedSinceStart.get());
        stats.put("duplicates_skipped", store.duplicates());
        stats.put("evicted", store.evicted());
        stats.put("next_offsets", store.nextOffsets());
        return stats;
    }

    @PreDestroy
    void close() throws IOException {
        store.close();
    }
}

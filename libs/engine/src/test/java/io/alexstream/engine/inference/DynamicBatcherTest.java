package io.alexstream.engine.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit on a real session. Requests that arrive together share one session run
 * (never more than the maximum batch), answers match direct classification, a full queue
 * refuses at once, closing finishes what was queued, and a batch runs whole on the model named
 * at its start (how a worker swaps versions between batches).
 */
class DynamicBatcherTest {

    private static final AlexNetConfig CONFIG = Profiles.small();
    private static AlexNetModel model;

    @BeforeAll
    static void createModel() {
        model = AlexNetModel.create(CONFIG, SessionOptions.cpu());
        model.initialize(3, TestImages.grayMean(CONFIG.scaleSize()));
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void requestsArrivingTogetherShareASessionRunAndGetTheirOwnAnswers() throws Exception {
        List<ScaledImage> images = TestImages.random(12, CONFIG.scaleSize(), 21);
        List<Integer> batches = new CopyOnWriteArrayList<>();
        List<CompletableFuture<DynamicBatcher.Timed>> futures = new ArrayList<>();
        try (DynamicBatcher batcher = new DynamicBatcher(model, 8, 200, 64, batches::add)) {
            for (ScaledImage image : images) {
                futures.add(batcher.submit(image, Crops.Mode.TEN_CROP, 3));
            }
            for (int i = 0; i < images.size(); i++) {
                DynamicBatcher.Timed timed = futures.get(i).get(30, TimeUnit.SECONDS);
                Prediction direct = model.classify(List.of(images.get(i)), Crops.Mode.TEN_CROP, 3)
                        .get(0);
                assertThat(timed.prediction().best().index())
                        .isEqualTo(direct.best().index());
                assertThat(timed.prediction().best().probability())
                        .isCloseTo(direct.best().probability(), org.assertj.core.data.Offset.offset(1e-5f));
                assertThat(timed.queueSeconds()).isGreaterThanOrEqualTo(0);
            }
        }
        assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(12);
        assertThat(batches).allSatisfy(size -> assertThat(size).isBetween(1, 8));
        assertThat(batches.get(0)).isEqualTo(8);
    }

    @Test
    void eachBatchRunsWholeOnTheModelTheSupplierNamesAtItsStart() throws Exception {
        try (AlexNetModel next = AlexNetModel.create(CONFIG, SessionOptions.cpu())) {
            next.load(model.export(
                    new io.alexstream.engine.weights.WeightsMetadata(7, 0L, "2026-11-28T00:00:00Z", null, null, null)));
            AtomicInteger asked = new AtomicInteger();
            List<Integer> batches = new CopyOnWriteArrayList<>();
            List<CompletableFuture<DynamicBatcher.Timed>> futures = new ArrayList<>();
            // the first batch is named the current model, every later one the next version
            try (DynamicBatcher batcher =
                    new DynamicBatcher(() -> asked.getAndIncrement() == 0 ? model : next, 8, 200, 64, batches::add)) {
                for (ScaledImage image : TestImages.random(12, CONFIG.scaleSize(), 26)) {
                    futures.add(batcher.submit(image, Crops.Mode.CENTER, 1));
                }
                List<Long> versions = new ArrayList<>();
                for (CompletableFuture<DynamicBatcher.Timed> future : futures) {
                    versions.add(future.get(30, TimeUnit.SECONDS).prediction().modelVersion());
                }
                assertThat(batches.get(0)).isEqualTo(8);
                long current = model.metadata().version();
                assertThat(current).isNotEqualTo(7);
                assertThat(versions.subList(0, 8)).containsOnly(current);
                assertThat(versions.subList(8, 12)).containsOnly(7L);
            }
        }
    }

    @Test
    void aLoneCallerOneRequestAtATimeIsNotHeldForTheWait() throws Exception {
        ScaledImage image = TestImages.random(1, CONFIG.scaleSize(), 25).get(0);
        List<Double> queued = new ArrayList<>();
        try (DynamicBatcher batcher = new DynamicBatcher(model, 8, 300, 64, size -> {})) {
            for (int i = 0; i < 6; i++) {
                queued.add(batcher.submit(image, Crops.Mode.TEN_CROP, 1)
                        .get(30, TimeUnit.SECONDS)
                        .queueSeconds());
                Thread.sleep(400);
            }
        }
        // a fresh batcher waits (it cannot know yet); once requests come 400 ms apart, waiting 300 ms for a second one
        // is
        // pure latency
        assertThat(queued.get(0)).isGreaterThanOrEqualTo(0.29);
        assertThat(queued.subList(4, 6))
                .allSatisfy(seconds -> assertThat(seconds).isLessThan(0.1));
    }

    @Test
    void aFullQueueRefusesAtOnceAndAcceptedRequestsStillComplete() throws Exception {
        ScaledImage image = TestImages.random(1, CONFIG.scaleSize(), 22).get(0);
        List<CompletableFuture<DynamicBatcher.Timed>> accepted = new ArrayList<>();
        int refused = 0;
        try (DynamicBatcher batcher = new DynamicBatcher(model, 1, 0, 2, size -> {})) {
            for (int i = 0; i < 200; i++) {
                try {
                    accepted.add(batcher.submit(image, Crops.Mode.TEN_CROP, 1));
                } catch (DynamicBatcher.QueueFullException e) {
                    refused++;
                    assertThat(e).hasMessageContaining("2 images waiting");
                }
            }
            for (CompletableFuture<DynamicBatcher.Timed> future : accepted) {
                assertThat(future.get(30, TimeUnit.SECONDS).batchSize()).isEqualTo(1);
            }
        }
        assertThat(refused).isPositive();
        assertThat(accepted).isNotEmpty();
    }

    @Test
    void closingFinishesQueuedWorkAndRefusesNewWork() throws Exception {
        DynamicBatcher batcher = new DynamicBatcher(model, 4, 50, 16, size -> {});
        List<CompletableFuture<DynamicBatcher.Timed>> futures = new ArrayList<>();
        for (ScaledImage image : TestImages.random(6, CONFIG.scaleSize(), 23)) {
            futures.add(batcher.submit(image, Crops.Mode.CENTER, 1));
        }
        batcher.close();
        for (CompletableFuture<DynamicBatcher.Timed> future : futures) {
            assertThat(future).isCompleted();
            assertThat(future.get().prediction().cropsUsed()).isEqualTo(1);
        }
        assertThatThrownBy(() -> batcher.submit(
                        TestImages.random(1, CONFIG.scaleSize(), 24).get(0), Crops.Mode.CENTER, 1))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anErrorFailsItsBatchNotTheBatcherAndHealthSaysSoUntilABatchSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        java.util.function.Supplier<AlexNetModel> firstCallFails = () -> {
            if (calls.getAndIncrement() == 0) {
                throw new OutOfMemoryError("direct buffer memory (test)");
            }
            return model;
        };
        List<ScaledImage> images = TestImages.random(2, CONFIG.scaleSize(), 5);
        try (DynamicBatcher batcher = new DynamicBatcher(firstCallFails, 1, 0, 8, size -> {})) {
            CompletableFuture<DynamicBatcher.Timed> failed = batcher.submit(images.get(0), Crops.Mode.CENTER, 1);
            assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(OutOfMemoryError.class);
            assertThat(batcher.failure())
                    .hasValueSatisfying(reason -> assertThat(reason).contains("OutOfMemoryError"));
            assertThat(batcher.alive()).isTrue();
            assertThat(batcher.submit(images.get(1), Crops.Mode.CENTER, 1)
                            .get(30, TimeUnit.SECONDS)
                            .prediction())
                    .isNotNull();
            assertThat(batcher.failure()).isEmpty();
        }
    }
}

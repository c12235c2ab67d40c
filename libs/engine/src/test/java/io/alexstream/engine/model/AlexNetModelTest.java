package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.inference.Prediction;
import io.alexstream.engine.runtime.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit on a real TensorFlow session (small profile, random weights). Ten-crop
 * averaging, top-k, centre mode, thread safety, and the paper profile's output shape.
 */
class AlexNetModelTest {

    private static AlexNetModel model;
    private static final AlexNetConfig CONFIG = Profiles.small();

    @BeforeAll
    static void createModel() {
        model = AlexNetModel.create(CONFIG, SessionOptions.cpu());
        model.initialize(42, TestImages.grayMean(CONFIG.scaleSize()));
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void tenCropPredictionIsTheMeanOfTheTenCropSoftmaxes() {
        List<ScaledImage> images = TestImages.random(3, CONFIG.scaleSize(), 1);
        List<Prediction> predictions = model.classify(images, Crops.Mode.TEN_CROP, CONFIG.numClasses());
        int cropValues = CONFIG.cropSize() * CONFIG.cropSize() * 3;
        for (int i = 0; i < images.size(); i++) {
            float[] crops = new float[10 * cropValues];
            Crops.write(images.get(i), model.mean(), CONFIG.cropSize(), Crops.Mode.TEN_CROP, crops, 0);
            float[] perCrop = model.probabilities(crops, 10);
            Prediction prediction = predictions.get(i);
            assertThat(prediction.cropsUsed()).isEqualTo(10);
            for (ClassScore score : prediction.top()) {
                double mean = 0;
                for (int c = 0; c < 10; c++) {
                    mean += perCrop[c * CONFIG.numClasses() + score.index()];
                }
                assertThat((double) score.probability())
                        .isCloseTo(mean / 10, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void topKIsSortedNamedAndSumsToOneOverAllClasses() {
        Prediction prediction = model.classify(TestImages.random(1, CONFIG.scaleSize(), 2), Crops.Mode.TEN_CROP, 10)
                .get(0);
        assertThat(prediction.top()).hasSize(10);
        double sum =
                prediction.top().stream().mapToDouble(ClassScore::probability).sum();
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        for (int i = 1; i < prediction.top().size(); i++) {
            assertThat(prediction.top().get(i).probability())
                    .isLessThanOrEqualTo(prediction.top().get(i - 1).probability());
        }
        ClassScore best = prediction.best();
        assertThat(best.name()).isEqualTo(CONFIG.classNames().get(best.index()));
        assertThat(model.classify(TestImages.random(1, CONFIG.scaleSize(), 2), Crops.Mode.TEN_CROP, 5)
                        .get(0)
                        .top())
                .hasSize(5);
    }

    @Test
    void centreModeUsesOneCropAndMatchesTheCentreCrop() {
        ScaledImage image = TestImages.random(1, CONFIG.scaleSize(), 3).get(0);
        Prediction centre = model.classify(List.of(image), Crops.Mode.CENTER, 3).get(0);
        assertThat(centre.cropsUsed()).isEqualTo(1);
        float[] crop = new float[CONFIG.cropSize() * CONFIG.cropSize() * 3];
        Crops.write(image, model.mean(), CONFIG.cropSize(), Crops.Mode.CENTER, crop, 0);
        float[] direct = model.probabilities(crop, 1);
        assertThat(centre.best().probability()).isEqualTo(direct[centre.best().index()]);
    }

    @Test
    void manyThreadsShareOneSessionAndGetTheSameAnswers() throws Exception {
        List<ScaledImage> images = TestImages.random(6, CONFIG.scaleSize(), 4);
        List<Prediction> expected = model.classify(images, Crops.Mode.TEN_CROP, 3);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                futures.add(pool.submit(() -> model.classify(images, Crops.Mode.TEN_CROP, 3)));
            }
            for (Future<List<Prediction>> future : futures) {
                assertThat(future.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesImagesOfTheWrongScale() {
        assertThatThrownBy(() -> model.classify(TestImages.random(1, 50, 5), Crops.Mode.CENTER, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(CONFIG.scaleSize() + "x" + CONFIG.scaleSize());
    }

    @Test
    void paperProfileRunsTenCropsToAThousandClasses() {
        AlexNetConfig paper = Profiles.paper();
        try (AlexNetModel big = AlexNetModel.create(paper, SessionOptions.cpu())) {
            big.initialize(7, TestImages.grayMean(paper.scaleSize()));
            Prediction prediction = big.classify(TestImages.random(1, paper.scaleSize(), 6), Crops.Mode.TEN_CROP, 5)
                    .get(0);
            assertThat(prediction.top()).hasSize(5);
            assertThat(prediction.best().index()).isBetween(0, 999);
            assertThat(prediction.best().probability()).isBetween(0f, 1f);
        }
    }
}

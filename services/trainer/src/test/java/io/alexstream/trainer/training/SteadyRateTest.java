package io.alexstream.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alexstream.engine.training.Accuracy;
import io.alexstream.engine.training.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain. The steady training rate leaves out the first stretch (graph warm-up) and survives the anneal's step
 * restart.
 */
class SteadyRateTest {

    private static Trainer.Progress at(int step, double imagesPerSecond) {
        return new Trainer.Progress(1, step, 1.0, 0.01f, new Accuracy(0, 0, 0), imagesPerSecond);
    }

    @Test
    void theFirstStretchIsLeftOutAndTheRestWeightedByTime() {
        // 2 steps of 10 images at 1 image/s (warm-up), then 2 steps at 20/s and 2 steps at 5/s: 40 images in 1 + 4 s
        List<Trainer.Progress> history = List.of(at(2, 1), at(4, 20), at(6, 5));
        assertThat(TrainingRound.steadyImagesPerSecond(history, 10)).isCloseTo(40.0 / 5.0, within(1e-9));
    }

    @Test
    void theAnnealRunRestartingItsStepCountStillCountsItsImages() {
        // main run: steps 3, 6 (second stretch 30 images at 10/s); anneal run: steps 3 (30 images at 30/s)
        List<Trainer.Progress> history = List.of(at(3, 2), at(6, 10), at(3, 30));
        assertThat(TrainingRound.steadyImagesPerSecond(history, 10)).isCloseTo(60.0 / 4.0, within(1e-9));
    }

    @Test
    void oneReportIsNotEnough() {
        assertThat(TrainingRound.steadyImagesPerSecond(List.of(at(5, 3)), 10)).isNaN();
    }
}

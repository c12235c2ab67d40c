package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.inference.Prediction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tier: unit. The crops' vote: the averaged answer, and how many crops voted for another class. */
class CropVoteTest {

    private static final List<String> NAMES = List.of("a", "b", "c");

    @Test
    void disagreementIsTheShareOfCropsWhoseOwnBestIsNotTheAveragedAnswer() {
        // four crops of one image: three say b, one says c strongly; the average says b
        float[] rows = {
            0.1f, 0.8f, 0.1f,
            0.1f, 0.7f, 0.2f,
            0.2f, 0.6f, 0.2f,
            0.0f, 0.3f, 0.7f
        };
        Prediction p = CropVote.predictions(rows, 1, 4, NAMES, 2, 7).get(0);
        assertThat(p.best().name()).isEqualTo("b");
        assertThat(p.cropDisagreement()).isEqualTo(0.25);
        assertThat(p.modelVersion()).isEqualTo(7);
    }

    @Test
    void cropsThatAllAgreeAndASingleCropHaveNoDisagreement() {
        float[] agree = {0.9f, 0.05f, 0.05f, 0.6f, 0.3f, 0.1f};
        assertThat(CropVote.predictions(agree, 1, 2, NAMES, 1, 1).get(0).cropDisagreement())
                .isZero();
        float[] single = {0.2f, 0.3f, 0.5f};
        assertThat(CropVote.predictions(single, 1, 1, NAMES, 1, 1).get(0).cropDisagreement())
                .isZero();
    }

    @Test
    void eachImageOfABatchIsVotedOnItsOwnCrops() {
        float[] rows = {
            1f, 0f, 0f, 0f, 1f, 0f, // image 0: crops say a, b -> tie broken by the average's order
            0f, 0f, 1f, 0f, 0f, 1f // image 1: both say c
        };
        List<Prediction> predictions = CropVote.predictions(rows, 2, 2, NAMES, 1, 1);
        assertThat(predictions.get(0).cropDisagreement()).isEqualTo(0.5);
        assertThat(predictions.get(1).best().name()).isEqualTo("c");
        assertThat(predictions.get(1).cropDisagreement()).isZero();
    }
}

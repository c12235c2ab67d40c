package io.alexstream.engine.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tier: plain unit on a real session. The tuner times every candidate and names the one with the most images/s. */
class BatchSizeTunerTest {

    @Test
    void theChoiceIsTheCandidateWithTheMostImagesPerSecond() {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(2, TestImages.grayMean(config.scaleSize()));
            BatchSizeTuner.Choice choice = BatchSizeTuner.fastest(model, List.of(1, 4, 16), Crops.Mode.TEN_CROP, 3);

            assertThat(choice.imagesPerSecond()).containsOnlyKeys(1, 4, 16);
            assertThat(choice.imagesPerSecond().values()).allSatisfy(rate -> assertThat(rate).isPositive().isFinite());
            assertThat(choice.imagesPerSecond().get(choice.batch()))
                    .isEqualTo(Collections.max(choice.imagesPerSecond().values()));
        }
    }

    @Test
    void refusesNoCandidatesNoRoundsAndEmptyBatches() {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(2, TestImages.grayMean(config.scaleSize()));
            assertThatThrownBy(() -> BatchSizeTuner.fastest(model, List.of(), Crops.Mode.TEN_CROP, 3))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> BatchSizeTuner.fastest(model, List.of(4), Crops.Mode.TEN_CROP, 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> BatchSizeTuner.fastest(model, List.of(0, 4), Crops.Mode.TEN_CROP, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
        }
    }
}

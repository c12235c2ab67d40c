package io.alexstream.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit (a real small-profile graph). Validation checks are spread over an epoch but never
 * closer than {@link Trainer#MIN_STEPS_BETWEEN_CHECKS} steps: a 6-step epoch asked for 4 checks
 * gets 2 (after steps 3 and 6), a 2-step epoch one at its end.
 */
class TrainerCheckSpacingTest {

    @Test
    void checksAreAtLeastThreeStepsApartAndAnEpochAlwaysEndsWithOne() {
        AlexNetConfig config = Profiles.small();
        List<ScaledImage> images = TestImages.random(24, config.scaleSize(), 41);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            examples.add(new Example(images.get(i), i % config.numClasses()));
        }
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(3, MeanImage.of(images));
            Trainer trainer = new Trainer(model, PcaColourAugmentation.fit(images));
            Trainer.Options options = Trainer.Options.forProfile(config)
                    .withEpochs(1)
                    .withBatchSize(4)
                    .withEvaluationsPerEpoch(4);

            List<Integer> sixStepEpoch = new ArrayList<>();
            trainer.train(examples, examples.subList(0, 4), options, p -> sixStepEpoch.add(p.step()));
            assertThat(sixStepEpoch).containsExactly(3, 6);

            List<Integer> twoStepEpoch = new ArrayList<>();
            trainer.train(examples.subList(0, 8), examples.subList(0, 4), options, p -> twoStepEpoch.add(p.step()));
            assertThat(twoStepEpoch).containsExactly(2);
        }
    }
}

package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit on a real session. The update is the paper's rule,
 * v <- 0.9 v - 0.0005 lr w - lr dL/dw ; w <- w + v, checked value by value where the gradient
 * is known to be zero, and a batch can be fitted.
 */
class TrainingStepTest {

    @Test
    void aZeroLearningRateMovesNothingAndARealOneLowersTheLoss() {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(5, TestImages.grayMean(config.scaleSize()));
            // dark images are class 0, bright ones class 1: a batch a network must be able to fit
            List<ScaledImage> images = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] rgb = new byte[config.scaleSize() * config.scaleSize() * 3];
                java.util.Arrays.fill(rgb, (byte) (i % 2 == 0 ? 30 + i : 220 - i));
                images.add(new ScaledImage(config.scaleSize(), rgb));
            }
            float[] crops = new float[8 * config.cropSize() * config.cropSize() * 3];
            int offset = 0;
            for (ScaledImage image : images) {
                offset = Crops.write(image, model.mean(), config.cropSize(), Crops.Mode.CENTER, crops, offset);
            }
            int[] labels = {0, 1, 0, 1, 0, 1, 0, 1};
            WeightsMetadata meta = model.metadata();
            float[] w0 = model.export(meta).variables().get("fc8/weights");
            model.trainStep(crops, labels, 0f);
            assertThat(model.export(meta).variables().get("fc8/weights")).isEqualTo(w0);

            // a quarter of the small profile's rate: at the full rate, momentum on eight repeated flat images
            // sometimes overshoots to NaN within 60 steps (seen in CI)
            float rate = io.alexstream.engine.training.Trainer.SMALL_LEARNING_RATE / 4;
            float first = model.trainStep(crops, labels, rate);
            // dropout makes single steps noisy: judge the mean of steps 51-60
            double lastTen = 0;
            for (int i = 0; i < 60; i++) {
                float loss = model.trainStep(crops, labels, rate);
                if (i >= 50) {
                    lastTen += loss / 10;
                }
            }
            assertThat(lastTen).isFinite().isLessThan(first * 0.5);
        }
    }

    @Test
    void thePapersGroupedLayersTrainTheFiltersOfBothGroups() {
        // on CPUs where oneDNN is off, TensorFlow's own grouped Conv2D fails here: Grappler's fused conv+bias+ReLU
        // refuses the groups, and without the fusion its filter gradient refuses conv5's in a batch-128 step
        AlexNetConfig config = Profiles.paper();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(7, TestImages.grayMean(config.scaleSize()));
            java.util.Random random = new java.util.Random(3);
            float[] crops = new float[32 * config.cropSize() * config.cropSize() * 3];
            for (int i = 0; i < crops.length; i++) {
                crops[i] = random.nextFloat() * 200 - 100;
            }
            WeightsMetadata meta = model.metadata();
            java.util.Map<String, float[]> before = model.export(meta).variables();
            float loss = model.trainStep(crops, new int[32], 0.01f);
            java.util.Map<String, float[]> after = model.export(meta).variables();

            assertThat(loss).isFinite().isPositive();
            for (int layer : new int[] {2, 4, 5}) {
                String name = "conv" + layer + "/weights";
                // k x k x depth x out: the last axis is the output map, the first half of them group 0's
                int out = config.convChannels(layer - 1);
                boolean[] groupMoved = new boolean[2];
                float[] was = before.get(name);
                float[] now = after.get(name);
                for (int i = 0; i < was.length; i++) {
                    if (was[i] != now[i]) {
                        groupMoved[(i % out) / (out / 2)] = true;
                    }
                }
                assertThat(groupMoved).as(name).containsExactly(true, true);
            }
        }
    }

    @Test
    void weightDecayAloneShrinksWeightsByTheFactorOfTheRule() {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(6, TestImages.grayMean(config.scaleSize()));
            // all-zero crops through zero-bias fan-in weights give all-zero activations after the
            // ReLUs, so every weight gradient except fc8's bias is exactly zero and only decay acts
            float[] crops = new float[2 * config.cropSize() * config.cropSize() * 3];
            int[] labels = {1, 2};
            WeightsMetadata meta = model.metadata();
            float[] w0 = model.export(meta).variables().get("conv3/weights");
            float lr = 0.1f;
            model.trainStep(crops, labels, lr);
            float[] w1 = model.export(meta).variables().get("conv3/weights");
            model.trainStep(crops, labels, lr);
            float[] w2 = model.export(meta).variables().get("conv3/weights");
            double decay = MomentumUpdate.WEIGHT_DECAY * lr;
            for (int i = 0; i < 50; i++) {
                // v1 = -decay * w0 ; w1 = w0 + v1
                double v1 = -decay * w0[i];
                assertThat((double) w1[i]).isCloseTo(w0[i] + v1, offset(1e-7));
                // v2 = 0.9 v1 - decay * w1 ; w2 = w1 + v2
                double v2 = MomentumUpdate.MOMENTUM * v1 - decay * w1[i];
                assertThat((double) w2[i]).isCloseTo(w1[i] + v2, offset(1e-7));
            }
        }
    }
}

package io.alexstream.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tier: unit on real engines. The exported ONNX graph, run by ONNX Runtime, gives the engine's probabilities for the
 * same crops (one group, and the paper's two, whose LRN window stays inside each group), and its 10-crop path
 * averages the same crops the engine makes.
 */
class OnnxExportTest {

    /** fp32 against fp32 in another summation order; the bench holds the paper profile to the same bound. */
    static final double RELATIVE_TOLERANCE = 1e-3;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void onnxRuntimeGivesTheEngineProbabilities(int groups) throws Exception {
        AlexNetConfig config = Profiles.small().withGroups(groups);
        List<ScaledImage> images = randomImages(config, 3);
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            float[] mean = new float[config.scaleSize() * config.scaleSize() * AlexNetConfig.CHANNELS];
            Arrays.fill(mean, 110f);
            model.initialize(7, mean);
            ModelWeights weights = model.export(WeightsMetadata.initial("export test"));
            try (PeerEngine peer = PeerEngine.create(weights, 2)) {
                int cropValues = config.cropSize() * config.cropSize() * AlexNetConfig.CHANNELS;
                float[] crops = new float[images.size() * Crops.TEN * cropValues];
                int offset = 0;
                for (ScaledImage image : images) {
                    offset = Crops.write(image, mean, config.cropSize(), Crops.Mode.TEN_CROP, crops, offset);
                }
                int count = images.size() * Crops.TEN;
                float[] ours = model.probabilities(crops, count);
                float[] theirs = peer.probabilities(crops, count);
                int classes = config.numClasses();
                Agreement agreement = Agreement.of(ours, theirs, classes);
                assertThat(agreement.maxRelative()).isLessThanOrEqualTo(RELATIVE_TOLERANCE);
                assertThat(agreement.top1()).isEqualTo(1.0);

                float[] averaged = peer.classify(images);
                for (int i = 0; i < images.size(); i++) {
                    for (int k = 0; k < classes; k++) {
                        double mean10 = 0;
                        for (int c = 0; c < Crops.TEN; c++) {
                            mean10 += ours[(i * Crops.TEN + c) * classes + k] / Crops.TEN;
                        }
                        assertThat((double) averaged[i * classes + k])
                                .isCloseTo(mean10, org.assertj.core.data.Offset.offset(1e-3 * mean10));
                    }
                }
            }
        }
    }

    private static List<ScaledImage> randomImages(AlexNetConfig config, int count) {
        Random random = new Random(3);
        List<ScaledImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = new byte[config.scaleSize() * config.scaleSize() * 3];
            random.nextBytes(rgb);
            images.add(new ScaledImage(config.scaleSize(), rgb));
        }
        return images;
    }
}

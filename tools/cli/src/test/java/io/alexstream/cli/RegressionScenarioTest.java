package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain unit. The regression scenario's bad version is the stored one with fc8's class outputs rotated by one:
 * a valid artifact for the same profile that answers k + 1 wherever the original answers k.
 */
class RegressionScenarioTest {

    @Test
    void theBadVersionRotatesFc8ByOneClassAndKeepsEverythingElse(@TempDir Path versions) throws Exception {
        var config = Profiles.small();
        Random random = new Random(7);
        Map<String, float[]> variables = new LinkedHashMap<>();
        for (AlexNetGraph.VariableSpec spec : AlexNetGraph.variableSpecs(config)) {
            float[] values = new float[Math.toIntExact(spec.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextFloat();
            }
            variables.put(spec.name(), values);
        }
        float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
        ModelWeights original = new ModelWeights(
                config, new WeightsMetadata(2, 1L, "2026-01-01T00:00:00Z", Map.of(), Map.of(), null), mean, variables);
        Files.write(versions.resolve("v000002.alxw"), WeightsCodec.toBytes(original));

        ModelWeights bad = WeightsCodec.read(RegressionScenario.rotatedClasses(versions, 2));

        bad.requireCompatible(config);
        int classes = config.numClasses();
        float[] w = original.variables().get("fc8/weights");
        float[] rotated = bad.variables().get("fc8/weights");
        for (int row = 0; row < w.length / classes; row++) {
            for (int c = 0; c < classes; c++) {
                assertThat(rotated[row * classes + (c + 1) % classes]).isEqualTo(w[row * classes + c]);
            }
        }
        float[] b = original.variables().get("fc8/bias");
        for (int c = 0; c < classes; c++) {
            assertThat(bad.variables().get("fc8/bias")[(c + 1) % classes]).isEqualTo(b[c]);
        }
        assertThat(bad.variables().get("fc7/weights"))
                .isEqualTo(original.variables().get("fc7/weights"));
        assertThat(bad.mean()).isEqualTo(mean);
    }
}

package io.alexstream.cli;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** An untrained small-profile version 1 in a trainer's store, so a stack's workers have something to pull. */
final class SeedVersion {

    private SeedVersion() {
    }

    /** Writes version 1 to {@code <trainer data dir>/versions/v000001.alxw}, recording {@code holdout} as its metrics. */
    static void write(Path trainerDataDir, Map<String, Double> holdout) throws Exception {
        Path file = Files.createDirectories(trainerDataDir.resolve("versions")).resolve("v000001.alxw");
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu()); OutputStream out = Files.newOutputStream(file)) {
            float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
            Arrays.fill(mean, 60f);
            model.initialize(4, mean);
            WeightsCodec.write(model.export(new WeightsMetadata(1, null, "2026-11-27T00:00:00Z", holdout, Map.of(), List.of())), out);
        }
    }
}

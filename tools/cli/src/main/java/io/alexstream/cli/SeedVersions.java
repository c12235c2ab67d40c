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
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Untrained small-profile versions written straight into a trainer's version store before it
 * starts, so its workers have something to pull and a rollback has somewhere to go without
 * minutes of training first. Each version has weights of its own (initialised from its number);
 * none is better than chance, which is all a delivery check needs.
 */
final class SeedVersions {

    private SeedVersions() {}

    /**
     * Writes versions 1..{@code count} to {@code <trainer data dir>/versions/v00000N.alxw}, each with {@code holdout}
     * as its metrics.
     */
    static void write(Path trainerDataDir, int count, Map<String, Double> holdout) throws Exception {
        Path dir = Files.createDirectories(trainerDataDir.resolve("versions"));
        AlexNetConfig config = Profiles.small();
        float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
        Arrays.fill(mean, 60f);
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            for (long version = 1; version <= count; version++) {
                model.initialize(3 + version, mean);
                Long parent = version == 1 ? null : version - 1;
                WeightsMetadata metadata =
                        new WeightsMetadata(version, parent, Instant.now().toString(), holdout, Map.of(), List.of());
                try (OutputStream out = Files.newOutputStream(dir.resolve(String.format("v%06d.alxw", version)))) {
                    WeightsCodec.write(model.export(metadata), out);
                }
            }
        }
    }
}

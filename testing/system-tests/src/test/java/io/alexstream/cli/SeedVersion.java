package io.alexstream.cli;

import java.nio.file.Path;
import java.util.Map;

/** An untrained small-profile version 1 in a trainer's store, so a stack's workers have something to pull. */
final class SeedVersion {

    private SeedVersion() {}

    /**
     * Writes version 1 to {@code <trainer data dir>/versions/v000001.alxw}, recording {@code holdout} as its metrics.
     */
    static void write(Path trainerDataDir, Map<String, Double> holdout) throws Exception {
        SeedVersions.write(trainerDataDir, 1, holdout);
    }
}

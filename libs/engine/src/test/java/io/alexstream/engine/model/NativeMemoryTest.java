package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.runtime.SessionOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit on a real session. Every tensor and result is closed: 10,000 inferences
 * (centre crop, so the loop stays short; the ten-crop path allocates the same tensors, ten
 * times larger) leave the process's resident memory flat (native tensors live outside the Java
 * heap, so a leak shows up in VmRSS and nowhere else).
 */
class NativeMemoryTest {

    private static final int WARM_UP = 1_000;
    private static final int INFERENCES = 10_000;
    /** One leaked input tensor is 118 KB: leaking them all would add 1.2 GB. */
    private static final long ALLOWED_GROWTH_BYTES = 64L << 20;

    @Test
    void tenThousandInferencesLeaveResidentMemoryFlat() throws IOException {
        AlexNetConfig config = Profiles.small();
        try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
            model.initialize(1, TestImages.grayMean(config.scaleSize()));
            List<ScaledImage> image = TestImages.random(1, config.scaleSize(), 1);
            for (int i = 0; i < WARM_UP; i++) {
                model.classify(image, Crops.Mode.CENTER, 5);
            }
            System.gc();
            long before = residentBytes();
            for (int i = 0; i < INFERENCES; i++) {
                model.classify(image, Crops.Mode.CENTER, 5);
            }
            System.gc();
            long growth = residentBytes() - before;
            assertThat(growth)
                    .as("resident memory growth over %d inferences", INFERENCES)
                    .isLessThan(ALLOWED_GROWTH_BYTES);
        }
    }

    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}

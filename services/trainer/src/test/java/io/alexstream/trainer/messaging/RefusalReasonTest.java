package io.alexstream.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.image.ImageRejectedException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Tier: plain. The typed refusal reasons write the same dead-letter and metric strings as before. */
class RefusalReasonTest {

    @Test
    void everyEngineRejectionKeepsItsName() {
        for (ImageRejectedException.Reason reason : ImageRejectedException.Reason.values()) {
            assertThat(RefusalReason.of(reason).wireName()).isEqualTo(reason.name());
        }
    }

    @Test
    void theWireNamesAreTheTrainersAndTheEnginesReasons() {
        assertThat(Arrays.stream(RefusalReason.values()).map(RefusalReason::wireName))
                .containsExactly(
                        "BAD_HEADER",
                        "BAD_ID",
                        "BAD_LABEL",
                        "INTERNAL",
                        "EMPTY",
                        "TOO_MANY_BYTES",
                        "UNSUPPORTED_FORMAT",
                        "DIMENSIONS_TOO_LARGE",
                        "CORRUPT");
    }
}

package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tier: plain unit. The bench's options, refused before anything is measured. */
class BenchCommandTest {

    @Test
    void fewerThanOneTimedTrainingStepIsRefusedWithTheOptionsName() {
        assertThatThrownBy(() -> BenchCommand.run(Arguments.parse(new String[] {"--train-steps", "0"})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--train-steps");
    }
}

package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. How the bench turns measurements into ratios and JSON. */
class BenchFiguresTest {

    @Test
    void aServiceIsComparedWithTheMeanOfTheBareFiguresMeasuredBesideIt() {
        assertThat(new PipelineBench.Reference(8.0, 10.0).value()).isEqualTo(9.0);
        // the drain's worker starts consuming when ready, so only the side after it is measured
        assertThat(new PipelineBench.Reference(Double.NaN, 10.0).value()).isEqualTo(10.0);
        assertThat(new PipelineBench.Reference(8.0, Double.NaN).value()).isEqualTo(8.0);
        assertThat(PipelineBench.Reference.NONE.value()).isNaN();
    }

    @Test
    void aFigureThatWasNotMeasuredIsNullInTheJsonNotZero() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("kafka_drain_ratio", Double.NaN);
        figures.put("kafka_ratio", 0.739);
        assertThat(Json.write(figures)).isEqualTo("{\"kafka_drain_ratio\":null,\"kafka_ratio\":0.739}");
    }

    @Test
    void fewerThanOneTimedTrainingStepIsRefusedWithTheOptionsName() {
        assertThatThrownBy(() -> BenchCommand.run(Arguments.parse(new String[] {"--train-steps", "0"})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--train-steps");
    }
}

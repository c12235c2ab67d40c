package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. The one-line JSON of {@code --json} output. */
class JsonTest {

    @Test
    void aFigureThatWasNotMeasuredIsNullInTheJsonNotZero() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("kafka_drain_ratio", Double.NaN);
        figures.put("kafka_ratio", 0.739);
        assertThat(Json.write(figures)).isEqualTo("{\"kafka_drain_ratio\":null,\"kafka_ratio\":0.739}");
    }
}

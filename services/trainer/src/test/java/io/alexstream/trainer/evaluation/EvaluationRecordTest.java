package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. An {@code evaluations} record read as a version's figures, or refused with why. */
class EvaluationRecordTest {

    private final ObjectMapper json = new ObjectMapper();

    private EvaluationRecord parse(String key, String value) {
        return EvaluationRecord.parse(json, key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theContractsRecordIsRead() {
        EvaluationRecord figures = parse(
                "3",
                "{\"model_version\":3,\"labelled\":120,\"top1\":0.81,\"top5\":0.97,\"ece\":0.05,"
                        + "\"confusion\":[[1,0],[0,1]],\"crop_disagreement_right\":0.1,"
                        + "\"crop_disagreement_wrong\":0.42,\"window_seconds\":600,"
                        + "\"updated_at\":\"2026-12-06T17:00:00Z\"}");
        assertThat(figures).isEqualTo(new EvaluationRecord(3, 120, 0.81, "2026-12-06T17:00:00Z"));
        assertThat(parse(null, "{\"model_version\":4,\"labelled\":0,\"top1\":0}")
                        .version())
                .isEqualTo(4);
    }

    @Test
    void malformedRecordsAreRefusedWithWhy() {
        assertThatThrownBy(() -> parse("3", "not json")).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> parse("3", "[1,2]")).hasMessage("not a JSON object");
        assertThatThrownBy(() -> EvaluationRecord.parse(json, "3", new byte[0])).hasMessage("empty value");
        assertThatThrownBy(() -> parse("4", "{\"model_version\":3,\"labelled\":1,\"top1\":0.5}"))
                .hasMessageContaining("is not model_version 3");
        assertThatThrownBy(() -> parse("0", "{\"model_version\":0,\"labelled\":1,\"top1\":0.5}"))
                .hasMessageContaining("is not a version");
        assertThatThrownBy(() -> parse("3", "{\"model_version\":3,\"labelled\":\"many\",\"top1\":0.5}"))
                .hasMessageContaining("labelled is not a whole number");
        assertThatThrownBy(() -> parse("3", "{\"model_version\":3,\"labelled\":-1,\"top1\":0.5}"))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> parse("3", "{\"model_version\":3,\"labelled\":10,\"top1\":1.5}"))
                .hasMessageContaining("top1 is not a share");
        assertThatThrownBy(() -> parse("3", "{\"model_version\":3,\"labelled\":10}"))
                .hasMessageContaining("top1 is not a share");
    }

    @Test
    void readsBackWhatTheEvaluatorWrites() {
        VersionFigures figures = new VersionFigures(4, 10);
        figures.add(3, new int[] {3, 1}, 0.9, 0.0);
        figures.add(2, new int[] {5, 2}, 0.6, 0.3);
        figures.add(7, new int[] {7}, 0.8, 0.1);
        byte[] value = figures.toEvaluationJson(600, java.time.Instant.parse("2026-12-06T12:00:00Z"))
                .toString()
                .getBytes(StandardCharsets.UTF_8);

        assertThat(EvaluationRecord.parse(json, "4", value))
                .isEqualTo(new EvaluationRecord(4, 3, 2.0 / 3, "2026-12-06T12:00:00Z"));
    }
}

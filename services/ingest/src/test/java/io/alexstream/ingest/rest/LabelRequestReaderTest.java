package io.alexstream.ingest.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.alexstream.ingest.messaging.LabelPublisher.LateLabel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit. A labels body is accepted whole or refused whole, and a refusal names its
 * reason and the first offending entry.
 */
class LabelRequestReaderTest {

    private final LabelRequestReader reader = new LabelRequestReader(3, 16);

    @Test
    void idsAndLabelsAreTrimmedAndAClassIndexMayBeANumber() throws Exception {
        List<LateLabel> labels = reader.read(
                json("{\"labels\":[{\"image_id\":\" a \",\"label\":\" 3 \"},{\"image_id\":\"b\",\"label\":\"Trouser\"},"
                        + "{\"image_id\":\"c\",\"label\":7,\"extra\":true}]}"));
        assertThat(labels)
                .containsExactly(new LateLabel("a", "3"), new LateLabel("b", "Trouser"), new LateLabel("c", "7"));
    }

    @Test
    void aBodyThatIsNotTheLabelsObjectIsMalformed() {
        for (String body : List.of("", "not json", "[]", "{\"labels\":{}}", "{\"label\":[]}", "{\"labels\":[1]}")) {
            Problem problem = refusal(body);
            assertThat(problem.status()).as(body).isEqualTo(400);
            assertThat(problem.reason()).as(body).isEqualTo("MALFORMED_REQUEST");
        }
        assertThat(refusal("{\"labels\":[{\"image_id\":\"a\",\"label\":\"1\"},2]}")
                        .entry())
                .isEqualTo(1);
    }

    @Test
    void anEmptyListAndTooManyLabelsAreRefused() {
        assertThat(refusal("{\"labels\":[]}").reason()).isEqualTo("EMPTY");
        Problem tooMany = refusal("{\"labels\":[" + "{\"image_id\":\"a\",\"label\":\"1\"},".repeat(3)
                + "{\"image_id\":\"d\",\"label\":\"1\"}]}");
        assertThat(tooMany.status()).isEqualTo(413);
        assertThat(tooMany.reason()).isEqualTo("TOO_MANY_LABELS");
        assertThat(tooMany.limit()).isEqualTo(3L);
    }

    @Test
    void badIdsAreNamedByTheirEntry() {
        assertRefused("{\"labels\":[{\"image_id\":\"a\",\"label\":\"1\"},{\"label\":\"1\"}]}", "BAD_ID", 1);
        assertRefused("{\"labels\":[{\"image_id\":5,\"label\":\"1\"}]}", "BAD_ID", 0);
        assertRefused("{\"labels\":[{\"image_id\":\"  \",\"label\":\"1\"}]}", "BAD_ID", 0);
        assertRefused("{\"labels\":[{\"image_id\":\"a\\nb\",\"label\":\"1\"}]}", "BAD_ID", 0);
        Problem tooLong =
                assertRefused("{\"labels\":[{\"image_id\":\"" + "é".repeat(9) + "\",\"label\":\"1\"}]}", "BAD_ID", 0);
        assertThat(tooLong.limit()).isEqualTo(16L);
        assertThat(tooLong.detail()).contains("18 bytes");
        Problem twice = assertRefused(
                "{\"labels\":[{\"image_id\":\"a\",\"label\":\"1\"},{\"image_id\":\" a\",\"label\":\"2\"}]}",
                "BAD_ID",
                1);
        assertThat(twice.detail()).contains("labels[1]", "entry 0");
    }

    @Test
    void badLabelsAreNamedByTheirEntry() {
        assertRefused("{\"labels\":[{\"image_id\":\"a\"}]}", "BAD_LABEL", 0);
        assertRefused("{\"labels\":[{\"image_id\":\"a\",\"label\":\" \"}]}", "BAD_LABEL", 0);
        assertRefused("{\"labels\":[{\"image_id\":\"a\",\"label\":1.5}]}", "BAD_LABEL", 0);
        assertRefused("{\"labels\":[{\"image_id\":\"a\",\"label\":[\"1\"]}]}", "BAD_LABEL", 0);
        assertRefused(
                "{\"labels\":[{\"image_id\":\"a\",\"label\":\"1\"},{\"image_id\":\"b\",\"label\":-1}]}",
                "BAD_LABEL",
                1);
        assertRefused("{\"labels\":[{\"image_id\":\"a\",\"label\":\"-2\"}]}", "BAD_LABEL", 0);
        Problem tooLong = assertRefused(
                "{\"labels\":[{\"image_id\":\"a\",\"label\":\"" + "x".repeat(LabelRequestReader.MAX_LABEL_BYTES + 1)
                        + "\"}]}",
                "BAD_LABEL",
                0);
        assertThat(tooLong.limit()).isEqualTo((long) LabelRequestReader.MAX_LABEL_BYTES);
    }

    private Problem assertRefused(String body, String reason, int entry) {
        Problem problem = refusal(body);
        assertThat(problem.status()).as(body).isEqualTo(400);
        assertThat(problem.reason()).as(body).isEqualTo(reason);
        assertThat(problem.entry()).as(body).isEqualTo(entry);
        assertThat(problem.detail()).as(body).startsWith("labels[" + entry + "]");
        return problem;
    }

    private Problem refusal(String body) {
        LabelRequestReader.Refused refused =
                catchThrowableOfType(LabelRequestReader.Refused.class, () -> reader.read(json(body)));
        assertThat(refused).as("refusal of %s", body).isNotNull();
        return refused.problem();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package io.alexstream.trainer.messaging;

import static io.alexstream.trainer.messaging.LabeledRecordReaderTest.header;
import static io.alexstream.trainer.messaging.LabeledRecordReaderTest.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** Tier: unit. A dead letter says why and where from, and stays bounded whatever the refused record held. */
class DeadLetterTest {

    @Test
    void saysWhyAndWhereFromAndKeepsTheRecordsOwnHeaders() {
        DeadLetter letter = DeadLetter.of(
                record("k", new byte[] {1, 2}, header("label", "3"), header("source", "camera-7")),
                new LabeledRecordReader.Refused("id-1", RefusalReason.CORRUPT, "cannot decode"),
                1 << 20);
        assertThat(letter.key()).isEqualTo("id-1");
        assertThat(letter.value()).containsExactly(1, 2);
        assertThat(text(letter, "dead-letter-reason")).isEqualTo("CORRUPT");
        assertThat(text(letter, "dead-letter-message")).isEqualTo("cannot decode");
        assertThat(text(letter, "dead-letter-topic")).isEqualTo("images.labeled");
        assertThat(text(letter, "dead-letter-partition")).isEqualTo("0");
        assertThat(text(letter, "dead-letter-offset")).isEqualTo("17");
        assertThat(text(letter, "image-id")).isEqualTo("id-1");
        assertThat(text(letter, "source")).isEqualTo("camera-7");
        assertThat(letter.headers().lastHeader("dead-letter-truncated")).isNull();
    }

    @Test
    void aValuePastTheLimitIsCutAndDescribed() throws Exception {
        byte[] value = new byte[3 << 20];
        new Random(1).nextBytes(value);
        DeadLetter letter = DeadLetter.of(
                record("k", value, header("label", "3")),
                new LabeledRecordReader.Refused("k", RefusalReason.UNSUPPORTED_FORMAT, "not an image"),
                1 << 20);
        assertThat(letter.value()).hasSize(1 << 20).isEqualTo(Arrays.copyOf(value, 1 << 20));
        assertThat(text(letter, "dead-letter-truncated")).isEqualTo("true");
        assertThat(text(letter, "dead-letter-original-bytes")).isEqualTo(Integer.toString(3 << 20));
        assertThat(text(letter, "dead-letter-original-sha256"))
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(value)));
    }

    @Test
    void longIdsHeadersAndMessagesAreBounded() throws Exception {
        String hugeId = "i".repeat(70_000);
        RecordHeader[] headers =
                IntStream.range(0, 100).mapToObj(i -> header("h" + i, "v")).toArray(RecordHeader[]::new);
        headers[0] = header("image-id", hugeId);
        headers[1] = new RecordHeader("n".repeat(5000), new byte[] {1});
        headers[2] = new RecordHeader("nothing", null);
        DeadLetter letter = DeadLetter.of(
                record(hugeId, new byte[0], headers),
                new LabeledRecordReader.Refused(hugeId, RefusalReason.BAD_ID, "m".repeat(100_000)),
                1 << 20);
        String hash = "sha256:"
                + HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-256").digest(hugeId.getBytes(StandardCharsets.UTF_8)));
        assertThat(letter.key()).isEqualTo(hash);
        assertThat(text(letter, "image-id")).isEqualTo(hash);
        assertThat(text(letter, "dead-letter-message")).hasSizeLessThanOrEqualTo(DeadLetter.MAX_TEXT_BYTES + 3);
        assertThat(text(letter, "dead-letter-headers-dropped")).isEqualTo("36");
        assertThat(letter.headers().lastHeader("nothing").value()).isNull();
        for (Header header : letter.headers()) {
            assertThat(header.key().length()).isLessThanOrEqualTo(DeadLetter.MAX_TEXT_BYTES);
            assertThat(header.value() == null ? 0 : header.value().length)
                    .isLessThanOrEqualTo(DeadLetter.MAX_TEXT_BYTES + 3);
        }
    }

    private static String text(DeadLetter letter, String header) {
        return new String(letter.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }
}

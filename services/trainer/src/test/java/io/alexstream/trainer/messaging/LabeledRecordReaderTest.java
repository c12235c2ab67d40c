package io.alexstream.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.trainer.store.StoredExample;
import io.alexstream.trainer.training.ExampleBank;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit. Every labeled record becomes one outcome and nothing escapes: hostile headers,
 * ids and values, and whatever the image check throws (an OutOfMemoryError included), with a
 * stand-in for the image check so the test chooses what it throws.
 */
class LabeledRecordReaderTest {

    static final byte[] PNG = {1, 2, 3};
    static final byte[] OOM = {4, 4, 4};
    static final byte[] CORRUPT = {5, 5, 5};

    final LabeledRecordReader reader = new LabeledRecordReader(
            label -> "3".equals(label) ? 3 : -1,
            id -> id.endsWith("held"),
            example -> {
                if (example.encoded() == OOM) {
                    throw new OutOfMemoryError("Java heap space");
                }
                if (example.encoded() == CORRUPT) {
                    throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT, "cannot decode bmp image");
                }
                return new ExampleBank.Arrival(example, new ScaledImage(1, new byte[3]));
            },
            1024);

    @Test
    void aGoodRecordIsAccepted() {
        LabeledRecordReader.Outcome outcome =
                reader.read(record("key-1", PNG, header("image-id", " id-held "), header("label", "3")));
        assertThat(outcome).isInstanceOfSatisfying(LabeledRecordReader.Accepted.class, accepted -> {
            assertThat(accepted.arrival().example().imageId()).isEqualTo("id-held");
            assertThat(accepted.arrival().example().label()).isEqualTo(3);
            assertThat(accepted.arrival().example().holdout()).isTrue();
            assertThat(accepted.arrival().example().offset()).isEqualTo(17);
        });
        assertThat(accepted(reader.read(record("key-1", PNG, header("label", "3"))))
                        .imageId())
                .as("no id header: the key")
                .isEqualTo("key-1");
        assertThat(accepted(reader.read(record(null, PNG, header("image-id", " "), header("label", "3"))))
                        .imageId())
                .as("neither: the position")
                .isEqualTo("images.labeled-0-17");
    }

    @Test
    void headersWithoutAUsableValueAreBadHeaders() {
        assertRefused(record("k", PNG, new RecordHeader("label", null)), RefusalReason.BAD_HEADER, "k");
        assertRefused(
                record("k", PNG, new RecordHeader("label", new byte[] {(byte) 0xC3, 0x28})),
                RefusalReason.BAD_HEADER,
                "k");
        assertRefused(
                record("k", PNG, new RecordHeader("image-id", null), header("label", "3")),
                RefusalReason.BAD_HEADER,
                "k");
        assertRefused(
                record("k", PNG, new RecordHeader("image-id", new byte[] {(byte) 0xFF}), header("label", "3")),
                RefusalReason.BAD_HEADER,
                "k");
    }

    @Test
    void idsPastTheLimitAreRefusedWhereverTheyComeFrom() {
        String huge = "i".repeat(70_000);
        assertRefused(record("k", PNG, header("image-id", huge), header("label", "3")), RefusalReason.BAD_ID, huge);
        assertRefused(record(huge, PNG, header("label", "3")), RefusalReason.BAD_ID, huge);
        assertThat(reader.read(record("k", PNG, header("image-id", "é".repeat(512)), header("label", "3"))))
                .as("1024 bytes of UTF-8 is within the limit")
                .isInstanceOf(LabeledRecordReader.Accepted.class);
    }

    @Test
    void labelsThatNameNoClassAreBadLabelsQuotedShort() {
        assertRefused(record("k", PNG), RefusalReason.BAD_LABEL, "k");
        LabeledRecordReader.Refused refused =
                refused(reader.read(record("k", PNG, header("label", "9".repeat(100_000)))));
        assertThat(refused.reason()).isEqualTo(RefusalReason.BAD_LABEL);
        assertThat(refused.message()).hasSizeLessThan(200).contains("100000 chars");
    }

    @Test
    void emptyValuesAndTombstonesAreEmpty() {
        assertRefused(record("k", null, header("label", "3")), RefusalReason.EMPTY, "k");
    }

    @Test
    void whateverTheImageCheckThrowsIsThatRecordsOutcome() {
        assertRefused(record("k", CORRUPT, header("label", "3")), RefusalReason.CORRUPT, "k");
        LabeledRecordReader.Refused refused = refused(reader.read(record("k", OOM, header("label", "3"))));
        assertThat(refused.reason()).isEqualTo(RefusalReason.INTERNAL);
        assertThat(refused.message()).contains("OutOfMemoryError");
    }

    private void assertRefused(ConsumerRecord<String, byte[]> record, RefusalReason reason, String id) {
        LabeledRecordReader.Refused refused = refused(reader.read(record));
        assertThat(refused.reason()).as(refused.message()).isEqualTo(reason);
        assertThat(refused.imageId()).isEqualTo(id);
    }

    private static LabeledRecordReader.Refused refused(LabeledRecordReader.Outcome outcome) {
        assertThat(outcome).isInstanceOf(LabeledRecordReader.Refused.class);
        return (LabeledRecordReader.Refused) outcome;
    }

    private static StoredExample accepted(LabeledRecordReader.Outcome outcome) {
        assertThat(outcome).isInstanceOf(LabeledRecordReader.Accepted.class);
        return ((LabeledRecordReader.Accepted) outcome).arrival().example();
    }

    static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    static ConsumerRecord<String, byte[]> record(String key, byte[] value, RecordHeader... headers) {
        return new ConsumerRecord<>(
                "images.labeled",
                0,
                17L,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                key,
                value,
                new RecordHeaders(headers),
                Optional.empty());
    }
}

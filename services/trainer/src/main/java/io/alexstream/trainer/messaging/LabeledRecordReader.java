package io.alexstream.trainer.messaging;

import io.alexstream.contracts.Headers;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.StoredExample;
import io.alexstream.trainer.training.ExampleBank;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Turns one labeled record into exactly one outcome: an example ready to store, or a refusal
 * with a reason. Nothing a record holds escapes as an exception: missing, null or non-UTF-8
 * headers, ids of any length, tombstones, and anything the image decoder throws, an
 * OutOfMemoryError included (the JDK's BMP reader allocates what a 54-byte header declares).
 */
@Singleton
public class LabeledRecordReader {

    /** Longest label quoted in a refusal's message. */
    private static final int QUOTED_LABEL_CHARS = 64;

    /** What a record became. */
    public sealed interface Outcome permits Accepted, Refused {}

    public record Accepted(ExampleBank.Arrival arrival) implements Outcome {}

    /** {@code imageId} may be of any length: whoever writes it out bounds it. */
    public record Refused(String imageId, RefusalReason reason, String message) implements Outcome {}

    /** Decodes and checks an example's image ({@link ExampleBank#check}). */
    @FunctionalInterface
    interface ImageCheck {
        ExampleBank.Arrival check(StoredExample example) throws ImageRejectedException;
    }

    private final ToIntFunction<String> classIndex;
    private final Predicate<String> holdout;
    private final ImageCheck check;
    private final int maxImageIdBytes;

    @Inject
    public LabeledRecordReader(ExampleBank bank, TrainerConfig config) {
        this(bank::classIndex, bank::isHoldout, bank::check, config.maxImageIdBytes());
    }

    LabeledRecordReader(
            ToIntFunction<String> classIndex, Predicate<String> holdout, ImageCheck check, int maxImageIdBytes) {
        this.classIndex = classIndex;
        this.holdout = holdout;
        this.check = check;
        this.maxImageIdBytes = maxImageIdBytes;
    }

    public Outcome read(ConsumerRecord<String, byte[]> record) {
        try {
            return readOrThrow(record);
        } catch (Throwable e) {
            // one record's failure, even an Error, is that record's outcome: rethrown it would close the consumer for
            // good
            return new Refused(
                    positionId(record), RefusalReason.INTERNAL, e.getClass().getName() + ": " + e.getMessage());
        }
    }

    private Outcome readOrThrow(ConsumerRecord<String, byte[]> record) {
        String id = null;
        Header idHeader = record.headers().lastHeader(Headers.IMAGE_ID);
        if (idHeader != null) {
            id = utf8(idHeader.value());
            if (id == null) {
                return new Refused(
                        fallbackId(record),
                        RefusalReason.BAD_HEADER,
                        "the image-id header's value is " + describe(idHeader.value()));
            }
            id = id.trim();
        }
        if (id == null || id.isBlank()) {
            id = fallbackId(record);
        }
        int idBytes = utf8Length(id);
        if (idBytes > maxImageIdBytes) {
            return new Refused(
                    id,
                    RefusalReason.BAD_ID,
                    "the image id is " + idBytes + " bytes; the limit is " + maxImageIdBytes + " bytes");
        }
        Header labelHeader = record.headers().lastHeader(Headers.LABEL);
        if (labelHeader == null) {
            return new Refused(id, RefusalReason.BAD_LABEL, "no label header");
        }
        String label = utf8(labelHeader.value());
        if (label == null) {
            return new Refused(
                    id, RefusalReason.BAD_HEADER, "the label header's value is " + describe(labelHeader.value()));
        }
        int index = classIndex.applyAsInt(label.trim());
        if (index < 0) {
            return new Refused(id, RefusalReason.BAD_LABEL, "label '" + quoted(label) + "' is no class of this model");
        }
        if (record.value() == null) {
            return new Refused(id, RefusalReason.EMPTY, "the record has no value (a tombstone)");
        }
        try {
            return new Accepted(check.check(new StoredExample(
                    id, index, record.partition(), record.offset(), holdout.test(id), record.value())));
        } catch (ImageRejectedException e) {
            return new Refused(id, RefusalReason.of(e.reason()), e.getMessage());
        }
    }

    private static String fallbackId(ConsumerRecord<String, byte[]> record) {
        return record.key() != null && !record.key().isBlank() ? record.key() : positionId(record);
    }

    private static String positionId(ConsumerRecord<String, byte[]> record) {
        return record.topic() + "-" + record.partition() + "-" + record.offset();
    }

    /** The value as strict UTF-8, or null when it is null or not UTF-8 (a lenient decode would invent an id). */
    private static String utf8(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String describe(byte[] value) {
        return value == null ? "null" : "not UTF-8 (" + value.length + " bytes)";
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String quoted(String label) {
        return label.length() <= QUOTED_LABEL_CHARS
                ? label
                : label.substring(0, QUOTED_LABEL_CHARS) + "... (" + label.length() + " chars)";
    }
}

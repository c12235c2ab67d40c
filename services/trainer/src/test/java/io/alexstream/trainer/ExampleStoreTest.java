package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.trainer.store.ExampleStore;
import io.alexstream.trainer.store.HoldoutSplit;
import io.alexstream.trainer.store.StoredExample;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: unit. The durable example store across restarts, crashes, redeliveries, recreated topics,
 * ids of any length, segments of the previous format and its size bound.
 */
class ExampleStoreTest {

    @TempDir
    Path dir;

    @Test
    void whatWasAppendedIsThereAfterAReopenAndRedeliveriesAreSkipped() throws Exception {
        ExampleStore store = ExampleStore.open(dir, 1 << 30);
        assertThat(store.append(examples(0, 0, 10))).hasSize(10);
        assertThat(store.append(examples(1, 0, 5))).hasSize(5);
        store.close();

        ExampleStore reopened = ExampleStore.open(dir, 1 << 30);
        assertThat(reopened.size()).isEqualTo(15);
        assertThat(reopened.nextOffsets()).containsEntry(0, 10L).containsEntry(1, 5L);
        // Kafka delivers offsets 5..14 of partition 0 again (committed before the crash: 5): only 10..14 are new
        assertThat(reopened.append(examples(0, 5, 10)))
                .extracting(StoredExample::offset)
                .containsExactly(10L, 11L, 12L, 13L, 14L);
        assertThat(reopened.size()).isEqualTo(20);
        StoredExample first = reopened.examples().get(0);
        assertThat(first.imageId()).isEqualTo("p0-0");
        assertThat(first.encoded()).isEqualTo(new byte[] {0, 0, 7});
        reopened.close();
    }

    @Test
    void aRecordCutShortByACrashIsDroppedAndTheRestKept() throws Exception {
        ExampleStore store = ExampleStore.open(dir, 1 << 30);
        store.append(examples(0, 0, 3));
        store.close();
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-"))
                    .findFirst()
                    .orElseThrow();
        }
        Files.write(
                segment,
                new byte[] {(byte) 0xA1, (byte) 0xE7, 0x57, 0x01, 0, 0, 0, 40, 1, 2},
                StandardOpenOption.APPEND);
        ExampleStore reopened = ExampleStore.open(dir, 1 << 30);
        assertThat(reopened.size()).isEqualTo(3);
        assertThat(reopened.append(examples(0, 3, 1))).hasSize(1);
        reopened.close();
        assertThat(ExampleStore.open(dir, 1 << 30).size()).isEqualTo(4);
    }

    @Test
    void pastTheSizeBoundTheOldestSegmentsGo() throws Exception {
        ExampleStore store = ExampleStore.open(dir, 3L << 20);
        for (int batch = 0; batch < 12; batch++) {
            List<StoredExample> big = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long offset = batch * 4L + i;
                big.add(new StoredExample("b" + offset, 1, 0, offset, false, new byte[100_000]));
            }
            store.append(big);
        }
        assertThat(store.bytes()).isLessThanOrEqualTo(3L << 20);
        assertThat(store.evicted()).isPositive();
        assertThat(store.examples().get(store.size() - 1).offset()).isEqualTo(47);
        assertThat(store.nextOffsets()).containsEntry(0, 48L);
        store.close();
        ExampleStore reopened = ExampleStore.open(dir, 3L << 20);
        assertThat(reopened.nextOffsets()).containsEntry(0, 48L);
        assertThat(reopened.append(List.of(new StoredExample("b46", 1, 0, 46, false, new byte[100_000]))))
                .as("still stored")
                .isEmpty();
        // the duplicate index holds what the store holds: an evicted example is new again
        assertThat(reopened.append(List.of(new StoredExample("b0", 1, 0, 0, false, new byte[100_000]))))
                .hasSize(1);
        reopened.close();
    }

    @Test
    void idsOfAnyLengthAndCharactersComeBackAfterAReopen() throws Exception {
        String longId = "x".repeat(70_000) + "-\u00e9\u6f22\ud83d\ude00";
        String evenLonger = "y".repeat(1_000_000);
        ExampleStore store = ExampleStore.open(dir, 1 << 30);
        assertThat(store.append(List.of(
                        new StoredExample(longId, 3, 0, 0, false, new byte[] {1, 2}),
                        new StoredExample(evenLonger, 4, 0, 1, true, new byte[] {3}))))
                .hasSize(2);
        store.close();

        ExampleStore reopened = ExampleStore.open(dir, 1 << 30);
        assertThat(reopened.examples()).extracting(StoredExample::imageId).containsExactly(longId, evenLonger);
        assertThat(reopened.examples().get(1).holdout()).isTrue();
        assertThat(reopened.append(List.of(new StoredExample(longId, 3, 0, 0, false, new byte[] {1, 2}))))
                .as("a redelivery")
                .isEmpty();
        reopened.close();
    }

    @Test
    void aSegmentOfThePreviousFormatLoadsAndNewRecordsFollowIt() throws Exception {
        Path old = dir.resolve("segment-000000001.dat");
        Files.write(old, previousFormat(examples(0, 0, 3)));
        ExampleStore store = ExampleStore.open(dir, 1 << 30);
        assertThat(store.examples()).extracting(StoredExample::imageId).containsExactly("p0-0", "p0-1", "p0-2");
        assertThat(store.nextOffsets()).containsEntry(0, 3L);
        assertThat(store.append(examples(0, 0, 3)))
                .as("read again after the upgrade")
                .isEmpty();
        String longId = "z".repeat(70_000);
        assertThat(store.append(List.of(new StoredExample(longId, 1, 0, 3, false, new byte[] {9}))))
                .hasSize(1);
        store.close();

        ExampleStore reopened = ExampleStore.open(dir, 1 << 30);
        assertThat(reopened.examples())
                .extracting(StoredExample::imageId)
                .containsExactly("p0-0", "p0-1", "p0-2", longId);
        assertThat(reopened.examples().get(1).encoded()).isEqualTo(new byte[] {0, 1, 7});
        assertThat(reopened.examples().get(1).label()).isEqualTo(1);
        reopened.close();
    }

    @Test
    void aRecreatedTopicIsStoredWhileTrueDuplicatesAreSkippedAndCounted() throws Exception {
        ExampleStore store = ExampleStore.open(dir, 1 << 30);
        store.append(examples(0, 0, 500));
        // the broker's data directory was replaced: the topic starts at offset 0 again, with other images
        List<StoredExample> recreated = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            recreated.add(
                    new StoredExample("new-" + i, i % 10, 0, i, false, new byte[] {42, (byte) i, (byte) (i >> 8)}));
        }
        assertThat(store.append(recreated)).hasSize(500);
        assertThat(store.size()).isEqualTo(1000);
        assertThat(store.duplicates()).isZero();
        assertThat(store.nextOffsets())
                .as("where intake stands in the new topic")
                .containsEntry(0, 500L);

        // the same id with other bytes is another example; the same id and bytes at another offset is not
        StoredExample corrected = new StoredExample("new-7", 3, 0, 500, false, new byte[] {1});
        StoredExample producedTwice = new StoredExample("new-8", 8, 0, 501, false, new byte[] {42, 8, 0});
        assertThat(store.append(List.of(corrected, producedTwice))).containsExactly(corrected);
        assertThat(store.duplicates()).isEqualTo(1);
        store.close();

        ExampleStore reopened = ExampleStore.open(dir, 1 << 30);
        assertThat(reopened.append(recreated.subList(0, 100)))
                .as("redelivered after a restart")
                .isEmpty();
        assertThat(reopened.duplicates()).isEqualTo(100);
        assertThat(reopened.size()).isEqualTo(1001);
        reopened.close();
    }

    @Test
    void theHoldoutIsDecidedByTheIdAloneAndHasTheConfiguredShare() {
        HoldoutSplit split = new HoldoutSplit(10);
        int held = 0;
        for (int i = 0; i < 10_000; i++) {
            boolean holdout = split.isHoldout("image-" + i);
            assertThat(new HoldoutSplit(10).isHoldout("image-" + i)).isEqualTo(holdout);
            held += holdout ? 1 : 0;
        }
        assertThat(held).isBetween(900, 1100);
    }

    /** Records as the store wrote them before ids had a length prefix: magic 0xA1E75701 and the id by writeUTF. */
    private static byte[] previousFormat(List<StoredExample> examples) throws IOException {
        ByteArrayOutputStream segment = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(segment);
        for (StoredExample example : examples) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            DataOutputStream fields = new DataOutputStream(body);
            fields.writeInt(example.partition());
            fields.writeLong(example.offset());
            fields.writeInt(example.label());
            fields.writeBoolean(example.holdout());
            fields.writeUTF(example.imageId());
            fields.writeInt(example.encoded().length);
            fields.write(example.encoded());
            out.writeInt(0xA1E75701);
            out.writeInt(body.size());
            out.write(body.toByteArray());
        }
        return segment.toByteArray();
    }

    private static List<StoredExample> examples(int partition, long from, int count) {
        List<StoredExample> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long offset = from + i;
            list.add(new StoredExample(
                    "p" + partition + "-" + offset,
                    (int) (offset % 10),
                    partition,
                    offset,
                    offset % 10 == 0,
                    new byte[] {(byte) partition, (byte) offset, 7}));
        }
        return list;
    }
}

package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.trainer.store.ExampleStore;
import io.alexstream.trainer.store.HoldoutSplit;
import io.alexstream.trainer.store.StoredExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier: unit. The durable example store across restarts, crashes, redeliveries and its size bound. */
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
        assertThat(reopened.append(examples(0, 5, 10))).extracting(StoredExample::offset).containsExactly(10L, 11L, 12L, 13L, 14L);
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
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-")).findFirst().orElseThrow();
        }
        Files.write(segment, new byte[] {(byte) 0xA1, (byte) 0xE7, 0x57, 0x01, 0, 0, 0, 40, 1, 2}, StandardOpenOption.APPEND);
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
        assertThat(reopened.nextOffsets()).as("evicted offsets are not read again").containsEntry(0, 48L);
        assertThat(reopened.append(examples(0, 40, 2))).isEmpty();
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

    private static List<StoredExample> examples(int partition, long from, int count) {
        List<StoredExample> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long offset = from + i;
            list.add(new StoredExample("p" + partition + "-" + offset, (int) (offset % 10), partition, offset, offset % 10 == 0,
                    new byte[] {(byte) partition, (byte) offset, 7}));
        }
        return list;
    }
}

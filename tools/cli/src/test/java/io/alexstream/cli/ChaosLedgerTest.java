package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit. How {@code chaos} classifies each input from what came back: answered,
 * dead-lettered, lost, duplicated (twice answered, or answered and dead-lettered), silent where
 * no outcome is visible by design, and unacknowledged sends owed nothing.
 */
class ChaosLedgerTest {

    @Test
    void eachAcknowledgedInputIsAnsweredDeadLetteredOrLostAndDuplicatesAreCountedOnce() {
        ChaosLedger ledger = new ChaosLedger();
        for (String id : List.of("a", "b", "c", "d", "e", "f")) {
            ledger.sent(id, "kafka", List.of(), true);
            ledger.acknowledged(id);
        }
        ledger.answered("a");
        ledger.deadLettered("b", "CORRUPT");
        // c: nothing came back
        ledger.answered("d");
        ledger.answered("d");
        ledger.answered("e");
        ledger.deadLettered("e", "INFERENCE_FAILED");
        ledger.deadLettered("f", "EMPTY");
        ledger.deadLettered("f", "EMPTY");

        ChaosLedger.Tally tally = ledger.tally();
        assertThat(tally.sent()).isEqualTo(6);
        assertThat(tally.acknowledged()).isEqualTo(6);
        assertThat(tally.answered()).isEqualTo(3);
        assertThat(tally.deadLettered()).isEqualTo(2);
        assertThat(tally.lost()).isEqualTo(1);
        assertThat(tally.duplicates()).isEqualTo(3);
        assertThat(ledger.outcome("b")).isEqualTo("dead-lettered (CORRUPT)");
        assertThat(ledger.outcome("c")).isEqualTo("lost");
        assertThat(ledger.outcome("d")).isEqualTo("answered + duplicated");
        assertThat(ledger.outcome("e")).isEqualTo("answered + duplicated");
        assertThat(ledger.awaiting()).isEqualTo(1);
    }

    @Test
    void unacknowledgedSendsAreOwedNothingAndIngestRefusalsCountAsSent() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.sent("never-acked", "kafka", List.of(), true);
        ledger.refused("ingest");
        ledger.refused("ingest");
        ledger.sent("x", "ingest", List.of(), true);
        ledger.acknowledged("x");
        ledger.answered("x");
        // an answer to an unacknowledged send is welcome but changes nothing
        ledger.answered("never-acked");

        ChaosLedger.Tally tally = ledger.tally();
        assertThat(tally.sent()).isEqualTo(4);
        assertThat(tally.acknowledged()).isEqualTo(1);
        assertThat(tally.unacknowledged()).isEqualTo(3);
        assertThat(tally.lost()).isZero();
        assertThat(ledger.byRoute().get("ingest")).isEqualTo(new ChaosLedger.Tally(3, 1, 2, 1, 0, 0, 0, 0));
        assertThat(ledger.byRoute().get("kafka").unacknowledged()).isEqualTo(1);
        assertThat(ledger.outcome("never-acked")).isEqualTo("unacknowledged");
    }

    @Test
    void answersMatchByAnyKeyTheInputMayBeAnsweredUnderAndStrangersAreForeign() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.sent("chaos-huge-key-1", "hostile:huge-key", List.of("chaos-huge-key-1-kkkk"), true);
        ledger.acknowledged("chaos-huge-key-1");
        ledger.sent(
                "chaos-labeled-long-id-1", "hostile:labeled-long-id", List.of("chaos-labeled-long-id-1-iiii"), false);
        ledger.acknowledged("chaos-labeled-long-id-1");

        ledger.answered("chaos-huge-key-1-kkkk");
        ledger.answered("someone-else's-image");
        ledger.deadLettered(null, "EMPTY");

        assertThat(ledger.outcome("chaos-huge-key-1")).isEqualTo("answered");
        // stored by the trainer is correct and invisible: silent, not lost, and not awaited
        assertThat(ledger.outcome("chaos-labeled-long-id-1")).isEqualTo("silent");
        assertThat(ledger.tally().lost()).isZero();
        assertThat(ledger.tally().silent()).isEqualTo(1);
        assertThat(ledger.awaiting()).isZero();
        assertThat(ledger.foreignOutputs()).isEqualTo(2);
        assertThat(ledger.outcomes("hostile:huge-key")).containsEntry("chaos-huge-key-1", "answered");
    }

    @Test
    void theBmpBombIsFiftyFourBytesDeclaringAHugeImage() {
        byte[] bmp = HostileRecords.bmpBomb();
        assertThat(bmp).hasSize(54);
        assertThat(new String(bmp, 0, 2, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("BM");
        java.nio.ByteBuffer le = java.nio.ByteBuffer.wrap(bmp).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(le.getInt(2)).isEqualTo(54);
        assertThat(le.getInt(10)).isEqualTo(54);
        assertThat(le.getInt(14)).isEqualTo(40);
        assertThat(le.getShort(28)).isEqualTo((short) 24);
        assertThat(le.getInt(34)).isEqualTo(0x7FFFFFF0);
    }

    @Test
    void anAnswerReadBeforeIngestsAcknowledgementNamedItsIdStillCounts() {
        ChaosLedger ledger = new ChaosLedger();
        // the worker answered the upload before the 202 that names its id was read
        ledger.answered("upload-1");
        ledger.deadLettered("upload-2", "CORRUPT");
        ledger.answered("someone-elses");
        assertThat(ledger.foreignOutputs()).isEqualTo(3);

        for (String id : List.of("upload-1", "upload-2")) {
            ledger.sent(id, "ingest", List.of(), true);
            ledger.acknowledged(id);
        }
        ChaosLedger.Tally tally = ledger.tally();
        assertThat(tally.lost()).isZero();
        assertThat(tally.answered()).isEqualTo(1);
        assertThat(tally.deadLettered()).isEqualTo(1);
        assertThat(ledger.outcome("upload-2")).isEqualTo("dead-lettered (CORRUPT)");
        assertThat(ledger.foreignOutputs()).isEqualTo(1);
    }
}

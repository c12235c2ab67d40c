package io.alexstream.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit, with a stand-in emitter that refuses as a broker that is down would. A refused dead
 * letter is sent again until the broker takes it, so its batch waits instead of being nacked
 * (which would close the labeled consumer for good).
 */
class DeadLetterSenderTest {

    static final DeadLetter LETTER = new DeadLetter("id-1", new byte[] {1}, new RecordHeaders());

    /** Nacks the first {@code refusals} sends, acks the rest; throws on one send in between, as a full buffer does. */
    static final class FlakyBroker implements Emitter<byte[]> {
        final AtomicInteger sends = new AtomicInteger();
        final int refusals;

        FlakyBroker(int refusals) {
            this.refusals = refusals;
        }

        @Override
        public <M extends Message<? extends byte[]>> void send(M message) {
            int attempt = sends.incrementAndGet();
            if (attempt == 2) {
                throw new IllegalStateException("buffer full");
            }
            if (attempt <= refusals) {
                message.nack(new TimeoutException(
                        "Topic images.labeled.dead-letter not present in metadata after 60000 ms"));
            } else {
                message.ack();
            }
        }

        @Override
        public CompletionStage<Void> send(byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void complete() {}

        @Override
        public void error(Exception e) {}

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }

    @Test
    void aRefusedDeadLetterIsSentAgainUntilTheBrokerTakesIt() throws Exception {
        FlakyBroker broker = new FlakyBroker(4);
        DeadLetterSender sender = new DeadLetterSender(broker, 10, 40);
        sender.send(LETTER).get(10, TimeUnit.SECONDS);
        assertThat(broker.sends).hasValue(5);
        sender.stop();
    }

    @Test
    void onlyStoppingTheTrainerFailsAWaitingDeadLetter() {
        FlakyBroker broker = new FlakyBroker(Integer.MAX_VALUE);
        DeadLetterSender sender = new DeadLetterSender(broker, 60_000, 60_000);
        CompletableFuture<Void> acknowledged = sender.send(LETTER);
        assertThat(acknowledged).isNotDone();
        sender.stop();
        assertThatThrownBy(() -> acknowledged.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("stopping");
    }
}

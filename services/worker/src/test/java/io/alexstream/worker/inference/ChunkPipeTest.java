package io.alexstream.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. The pipe that lets a push be decoded while its chunks still arrive. */
class ChunkPipeTest {

    @Test
    void aReaderGetsTheChunksInOrderWhileTheyArriveThenTheEnd() throws Exception {
        ChunkPipe pipe = new ChunkPipe(Duration.ofSeconds(10));
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        pipe.offer(ByteString.copyFromUtf8("abc"));
        Thread.sleep(50);
        assertThat(read).as("still waiting for more chunks").isNotDone();
        pipe.offer(ByteString.EMPTY);
        pipe.offer(ByteString.copyFromUtf8("defg"));
        pipe.end();
        assertThat(new String(read.get(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("abcdefg");
        assertThat(pipe.read()).isEqualTo(-1);
    }

    @Test
    void aStreamThatStopsWithoutAnEndFailsTheReader() {
        ChunkPipe pipe = new ChunkPipe(Duration.ofMillis(100));
        pipe.offer(ByteString.copyFromUtf8("partial"));
        assertThatThrownBy(pipe::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("no chunk arrived");
    }

    @Test
    void anEndBeforeAnyChunkIsAnEmptyStream() throws Exception {
        ChunkPipe pipe = new ChunkPipe(Duration.ofSeconds(10));
        pipe.end();
        pipe.end();
        assertThat(pipe.readAllBytes()).isEmpty();
    }
}

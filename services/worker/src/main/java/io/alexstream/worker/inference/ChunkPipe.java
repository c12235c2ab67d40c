package io.alexstream.worker.inference;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands a push's chunks from the transport to the decoder as they arrive, so the checksum and
 * decoding run while the rest is still on the wire instead of after it. The bytes are shared,
 * not copied. A stream that stops without {@link #end()} fails the reader after the stall
 * timeout, so a cancelled push never leaves a decoder waiting.
 */
final class ChunkPipe extends InputStream {

    /** Compared by identity: the marker {@link #end()} puts behind the last chunk. */
    private static final ByteString END = ByteString.copyFromUtf8("end of stream");

    private final BlockingQueue<ByteString> chunks = new LinkedBlockingQueue<>();
    private final Duration stallTimeout;
    private InputStream current = InputStream.nullInputStream();
    private boolean ended;

    ChunkPipe(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
    }

    /** Called by the transport, in order. */
    void offer(ByteString chunk) {
        chunks.add(chunk);
    }

    /** No more chunks: the reader sees the end of the stream after the ones offered. Safe to call more than once. */
    void end() {
        chunks.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            int n = current.read(buffer, offset, length);
            if (n > 0) {
                return n;
            }
            if (ended || !advance()) {
                return -1;
            }
        }
    }

    private boolean advance() throws IOException {
        ByteString next;
        try {
            next = chunks.poll(stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the next chunk", e);
        }
        if (next == null) {
            throw new IOException("no chunk arrived for " + stallTimeout.toSeconds() + " s");
        }
        if (next == END) {
            ended = true;
            return false;
        }
        current = next.newInput();
        return true;
    }
}

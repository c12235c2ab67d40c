package io.alexstream.engine.weights;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/** Cuts what is written into chunks of a fixed size (the last one shorter) and hands each to a sink. */
public final class ChunkingOutputStream extends OutputStream {

    private final byte[] buffer;
    private final Consumer<byte[]> sink;
    private int filled;

    public ChunkingOutputStream(int chunkBytes, Consumer<byte[]> sink) {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        this.buffer = new byte[chunkBytes];
        this.sink = sink;
    }

    @Override
    public void write(int b) {
        buffer[filled++] = (byte) b;
        if (filled == buffer.length) {
            emit();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == buffer.length) {
                emit();
            }
        }
    }

    @Override
    public void close() {
        if (filled > 0) {
            emit();
        }
    }

    private void emit() {
        sink.accept(Arrays.copyOf(buffer, filled));
        filled = 0;
    }
}

package io.alexstream.engine.weights;

import io.alexstream.engine.model.AlexNetGraph;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Consumer;

/**
 * The alexstream weights artifact, format version 1. Self-describing and streamable:
 *
 * <pre>
 *   "ALXW"                     4 bytes magic
 *   format version             int32, big-endian (1)
 *   header length              int32, big-endian
 *   header                     UTF-8 JSON: format, config, metadata, tensors [{name, shape, dtype}]
 *   tensor data                each tensor in header order, float32 little-endian, row-major
 *   SHA-256                    32 bytes over everything before it
 * </pre>
 *
 * The first tensor is the mean image ({@code mean}, S x S x 3), then every variable in
 * {@link AlexNetGraph#variableSpecs} order. {@link WeightsHeader} owns the preamble and header,
 * {@link WeightsWriter} and {@link WeightsReader} the two directions; reading is streaming and
 * hands out nothing before the checksum, the shapes and the values have been checked.
 */
public final class WeightsCodec {

    public static final int FORMAT_VERSION = 1;
    /** Default largest artifact accepted: the paper profile is about 244 MB. */
    public static final long DEFAULT_MAX_BYTES = 512L << 20;

    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

    private WeightsCodec() {}

    public static void write(ModelWeights weights, OutputStream out) throws IOException {
        WeightsWriter.write(weights, out);
    }

    public static byte[] toBytes(ModelWeights weights) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(weights, out);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Writes the artifact as a sequence of chunks of at most {@code chunkBytes} (a gRPC client stream). */
    public static void writeChunks(ModelWeights weights, int chunkBytes, Consumer<byte[]> sink) throws IOException {
        try (ChunkingOutputStream out = new ChunkingOutputStream(chunkBytes, sink)) {
            write(weights, out);
        }
    }

    public static ModelWeights read(byte[] bytes) throws WeightsFormatException {
        return read(new ByteArrayInputStream(bytes), DEFAULT_MAX_BYTES);
    }

    public static ModelWeights read(InputStream raw, long maxBytes) throws WeightsFormatException {
        return WeightsReader.read(raw, maxBytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

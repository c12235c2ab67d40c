package io.alexstream.engine.weights;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.weights.WeightsFormatException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@link AlexNetGraph#variableSpecs} order. Reading is streaming: the checksum is computed as
 * the bytes arrive, a short stream is reported as truncated at the tensor where it ended,
 * and nothing is handed out before the checksum, the shapes and the values have been checked.
 */
public final class WeightsCodec {

    static final byte[] MAGIC = {'A', 'L', 'X', 'W'};
    public static final int FORMAT_VERSION = 1;
    static final String FORMAT_NAME = "alexstream-weights";
    static final String FLOAT32 = "float32";
    static final int MAX_HEADER_BYTES = 4 << 20;
    /** Default largest artifact accepted: the paper profile is about 244 MB. */
    public static final long DEFAULT_MAX_BYTES = 512L << 20;
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private WeightsCodec() {
    }

    record TensorEntry(String name, long[] shape, String dtype) {
        long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    record Header(String format, AlexNetConfig config, WeightsMetadata metadata, List<TensorEntry> tensors) {
    }

    public static void write(ModelWeights weights, OutputStream out) throws IOException {
        List<TensorEntry> entries = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        entries.add(new TensorEntry(ModelWeights.MEAN, weights.meanShape(), FLOAT32));
        data.add(weights.mean());
        for (VariableSpec spec : AlexNetGraph.variableSpecs(weights.config())) {
            float[] values = weights.variables().get(spec.name());
            if (values == null) {
                throw new IllegalArgumentException("weights lack variable " + spec.name());
            }
            entries.add(new TensorEntry(spec.name(), spec.shape(), FLOAT32));
            data.add(values);
        }
        writeRaw(new Header(FORMAT_NAME, weights.config(), weights.metadata(), entries), data, out);
    }

    /** Writes any header and data as given: the tests use it to build deliberately wrong artifacts. */
    static void writeRaw(Header header, List<float[]> data, OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        DataOutputStream body = new DataOutputStream(new DigestOutputStream(nonClosing(out), sha));
        byte[] json = JSON.writeValueAsBytes(header);
        body.write(MAGIC);
        body.writeInt(FORMAT_VERSION);
        body.writeInt(json.length);
        body.write(json);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] values : data) {
            for (float v : values) {
                if (!buffer.hasRemaining()) {
                    body.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
                buffer.putFloat(v);
            }
        }
        body.write(buffer.array(), 0, buffer.position());
        body.flush();
        out.write(sha.digest());
        out.flush();
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
        return read(new java.io.ByteArrayInputStream(bytes), DEFAULT_MAX_BYTES);
    }

    public static ModelWeights read(InputStream raw, long maxBytes) throws WeightsFormatException {
        MessageDigest sha = sha256();
        LimitedInputStream limited = new LimitedInputStream(raw, maxBytes);
        DataInputStream in = new DataInputStream(new DigestInputStream(limited, sha));
        try {
            Header header = readHeader(in);
            List<float[]> data = new ArrayList<>();
            for (TensorEntry entry : header.tensors()) {
                data.add(readTensor(in, entry));
            }
            byte[] expected = sha.digest();
            byte[] trailer = new byte[expected.length];
            try {
                new DataInputStream(limited).readFully(trailer);
            } catch (EOFException e) {
                throw new WeightsFormatException(Reason.TRUNCATED, "the stream ended before the SHA-256 trailer");
            }
            if (!MessageDigest.isEqual(expected, trailer)) {
                throw new WeightsFormatException(Reason.CHECKSUM_MISMATCH, "SHA-256 of the content is "
                        + hex(expected) + " but the artifact says " + hex(trailer));
            }
            if (limited.read() != -1) {
                throw new WeightsFormatException(Reason.MALFORMED, "unexpected bytes after the SHA-256 trailer");
            }
            return assemble(header, data);
        } catch (LimitExceeded e) {
            throw new WeightsFormatException(Reason.TOO_LARGE, "the artifact exceeds the limit of " + maxBytes + " bytes");
        } catch (IOException e) {
            throw new WeightsFormatException(Reason.MALFORMED, "cannot read the artifact: " + e.getMessage());
        }
    }

    private static Header readHeader(DataInputStream in) throws IOException, WeightsFormatException {
        byte[] magic = new byte[MAGIC.length];
        int version;
        int headerLength;
        try {
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new WeightsFormatException(Reason.MALFORMED, "not an alexstream weights artifact (bad magic)");
            }
            version = in.readInt();
            headerLength = in.readInt();
        } catch (EOFException e) {
            throw new WeightsFormatException(Reason.TRUNCATED, "the stream ended inside the preamble");
        }
        if (version != FORMAT_VERSION) {
            throw new WeightsFormatException(Reason.MALFORMED, "format version " + version
                    + " is not supported (this engine reads version " + FORMAT_VERSION + ")");
        }
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(Reason.MALFORMED, "header length " + headerLength
                    + " is outside 1.." + MAX_HEADER_BYTES);
        }
        byte[] json = new byte[headerLength];
        try {
            in.readFully(json);
        } catch (EOFException e) {
            throw new WeightsFormatException(Reason.TRUNCATED, "the stream ended inside the " + headerLength + "-byte header");
        }
        Header header;
        try {
            header = JSON.readValue(json, Header.class);
        } catch (IOException | IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new WeightsFormatException(Reason.MALFORMED, "header is not valid: "
                    + message.lines().findFirst().orElse(message));
        }
        if (!FORMAT_NAME.equals(header.format()) || header.config() == null || header.tensors() == null
                || header.metadata() == null) {
            throw new WeightsFormatException(Reason.MALFORMED, "header lacks format, config, metadata or tensors");
        }
        for (TensorEntry entry : header.tensors()) {
            if (!FLOAT32.equals(entry.dtype())) {
                throw new WeightsFormatException(Reason.DTYPE_MISMATCH, "tensor " + entry.name() + " has dtype "
                        + entry.dtype() + "; only " + FLOAT32 + " is accepted");
            }
            if (entry.shape() == null || Arrays.stream(entry.shape()).anyMatch(d -> d <= 0)
                    || entry.size() > Integer.MAX_VALUE / 4) {
                throw new WeightsFormatException(Reason.SHAPE_MISMATCH, "tensor " + entry.name()
                        + " has an invalid shape " + Arrays.toString(entry.shape()));
            }
        }
        return header;
    }

    private static float[] readTensor(DataInputStream in, TensorEntry entry) throws IOException, WeightsFormatException {
        int count = (int) entry.size();
        float[] values = new float[count];
        byte[] chunk = new byte[1 << 20];
        // a bulk view: a pushed artifact is decoded once per push, so this path must be fast before the JIT warms it
        java.nio.FloatBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        long totalBytes = (long) count * 4;
        long done = 0;
        int index = 0;
        while (done < totalBytes) {
            int want = (int) Math.min(chunk.length, totalBytes - done);
            try {
                in.readFully(chunk, 0, want);
            } catch (EOFException e) {
                throw new WeightsFormatException(Reason.TRUNCATED, "the stream ended inside tensor " + entry.name()
                        + " (" + totalBytes + " bytes expected)");
            }
            view.clear();
            view.get(values, index, want / 4);
            index += want / 4;
            done += want;
        }
        return values;
    }

    private static ModelWeights assemble(Header header, List<float[]> data) throws WeightsFormatException {
        AlexNetConfig config = header.config();
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put(ModelWeights.MEAN, new long[] {config.scaleSize(), config.scaleSize(), AlexNetConfig.CHANNELS});
        AlexNetGraph.variableSpecs(config).forEach(spec -> expected.put(spec.name(), spec.shape()));
        Map<String, float[]> byName = new LinkedHashMap<>();
        for (int i = 0; i < header.tensors().size(); i++) {
            TensorEntry entry = header.tensors().get(i);
            long[] shape = expected.get(entry.name());
            if (shape == null) {
                throw new WeightsFormatException(Reason.SHAPE_MISMATCH, "unexpected tensor " + entry.name()
                        + " for a " + config.profile() + " model");
            }
            if (!Arrays.equals(shape, entry.shape())) {
                throw new WeightsFormatException(Reason.SHAPE_MISMATCH, "tensor " + entry.name() + " has shape "
                        + Arrays.toString(entry.shape()) + " but its config needs " + Arrays.toString(shape));
            }
            if (byName.put(entry.name(), data.get(i)) != null) {
                throw new WeightsFormatException(Reason.MALFORMED, "tensor " + entry.name() + " appears twice");
            }
        }
        for (String name : expected.keySet()) {
            if (!byName.containsKey(name)) {
                throw new WeightsFormatException(Reason.SHAPE_MISMATCH, "tensor " + name + " is missing");
            }
        }
        for (Map.Entry<String, float[]> tensor : byName.entrySet()) {
            float[] values = tensor.getValue();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new WeightsFormatException(Reason.NON_FINITE, "tensor " + tensor.getKey() + " holds "
                            + values[i] + " at flat index " + i);
                }
            }
        }
        float[] mean = byName.remove(ModelWeights.MEAN);
        return new ModelWeights(config, header.metadata(), mean, Collections.unmodifiableMap(byName));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static final class LimitExceeded extends IOException {
        LimitExceeded() {
            super("limit exceeded");
        }
    }

    private static final class LimitedInputStream extends java.io.FilterInputStream {
        private long remaining;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --remaining < 0) {
                throw new LimitExceeded();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                remaining -= n;
                if (remaining < 0) {
                    throw new LimitExceeded();
                }
            }
            return n;
        }
    }
}

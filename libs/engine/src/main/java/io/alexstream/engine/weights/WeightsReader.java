package io.alexstream.engine.weights;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.weights.WeightsFormatException.Reason;
import io.alexstream.engine.weights.WeightsHeader.TensorEntry;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an artifact as it streams in: the checksum is computed as the bytes arrive, a short
 * stream is reported as truncated at the tensor where it ended, a stream over the limit is cut
 * off there, and nothing is handed out before the checksum, the shapes and the values (all
 * finite) have been checked.
 */
final class WeightsReader {

    private WeightsReader() {}

    static ModelWeights read(InputStream raw, long maxBytes) throws WeightsFormatException {
        MessageDigest sha = WeightsCodec.sha256();
        LimitedInputStream limited = new LimitedInputStream(raw, maxBytes);
        DataInputStream in = new DataInputStream(new DigestInputStream(limited, sha));
        try {
            WeightsHeader header = WeightsHeader.read(in);
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
                throw new WeightsFormatException(
                        Reason.CHECKSUM_MISMATCH,
                        "SHA-256 of the content is " + hex(expected) + " but the artifact says " + hex(trailer));
            }
            if (limited.read() != -1) {
                throw new WeightsFormatException(Reason.MALFORMED, "unexpected bytes after the SHA-256 trailer");
            }
            return assemble(header, data);
        } catch (LimitExceeded e) {
            throw new WeightsFormatException(
                    Reason.TOO_LARGE, "the artifact exceeds the limit of " + maxBytes + " bytes");
        } catch (IOException e) {
            throw new WeightsFormatException(Reason.MALFORMED, "cannot read the artifact: " + e.getMessage());
        }
    }

    private static float[] readTensor(DataInputStream in, TensorEntry entry)
            throws IOException, WeightsFormatException {
        int count = (int) entry.size();
        float[] values = new float[count];
        byte[] chunk = new byte[1 << 20];
        // a bulk view: a pushed artifact is decoded once per push, so this path must be fast before the JIT warms it
        FloatBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        long totalBytes = (long) count * 4;
        long done = 0;
        int index = 0;
        while (done < totalBytes) {
            int want = (int) Math.min(chunk.length, totalBytes - done);
            try {
                in.readFully(chunk, 0, want);
            } catch (EOFException e) {
                throw new WeightsFormatException(
                        Reason.TRUNCATED,
                        "the stream ended inside tensor " + entry.name() + " (" + totalBytes + " bytes expected)");
            }
            view.clear();
            view.get(values, index, want / 4);
            index += want / 4;
            done += want;
        }
        return values;
    }

    private static ModelWeights assemble(WeightsHeader header, List<float[]> data) throws WeightsFormatException {
        AlexNetConfig config = header.config();
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put(ModelWeights.MEAN, new long[] {config.scaleSize(), config.scaleSize(), AlexNetConfig.CHANNELS});
        AlexNetGraph.variableSpecs(config).forEach(spec -> expected.put(spec.name(), spec.shape()));
        Map<String, float[]> byName = new LinkedHashMap<>();
        for (int i = 0; i < header.tensors().size(); i++) {
            TensorEntry entry = header.tensors().get(i);
            long[] shape = expected.get(entry.name());
            if (shape == null) {
                throw new WeightsFormatException(
                        Reason.SHAPE_MISMATCH,
                        "unexpected tensor " + entry.name() + " for a " + config.profile() + " model");
            }
            if (!Arrays.equals(shape, entry.shape())) {
                throw new WeightsFormatException(
                        Reason.SHAPE_MISMATCH,
                        "tensor " + entry.name() + " has shape " + Arrays.toString(entry.shape())
                                + " but its config needs " + Arrays.toString(shape));
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
                    throw new WeightsFormatException(
                            Reason.NON_FINITE,
                            "tensor " + tensor.getKey() + " holds " + values[i] + " at flat index " + i);
                }
            }
        }
        float[] mean = byName.remove(ModelWeights.MEAN);
        return new ModelWeights(config, header.metadata(), mean, Collections.unmodifiableMap(byName));
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static final class LimitExceeded extends IOException {
        LimitExceeded() {
            super("limit exceeded");
        }
    }

    /** Counts the bytes read and fails the read that passes the limit. */
    private static final class LimitedInputStream extends FilterInputStream {
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

package io.alexstream.engine.weights;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.weights.WeightsFormatException.Reason;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The JSON header of a weights artifact and the preamble before it (magic, format version,
 * header length). Reading checks everything the header alone can prove wrong (magic, version,
 * length, dtype, shape sanity) before a single tensor byte is read.
 */
record WeightsHeader(String format, AlexNetConfig config, WeightsMetadata metadata, List<TensorEntry> tensors) {

    static final byte[] MAGIC = {'A', 'L', 'X', 'W'};
    static final String FORMAT_NAME = "alexstream-weights";
    static final String FLOAT32 = "float32";
    static final int MAX_HEADER_BYTES = 4 << 20;

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Name, shape and dtype of one tensor, in the order its data follows the header. */
    record TensorEntry(String name, long[] shape, String dtype) {
        long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /** Reads and checks the preamble and the header; the stream is then at the first tensor. */
    static WeightsHeader read(DataInputStream in) throws IOException, WeightsFormatException {
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
        if (version != WeightsCodec.FORMAT_VERSION) {
            throw new WeightsFormatException(
                    Reason.MALFORMED,
                    "format version " + version + " is not supported (this engine reads version "
                            + WeightsCodec.FORMAT_VERSION + ")");
        }
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(
                    Reason.MALFORMED, "header length " + headerLength + " is outside 1.." + MAX_HEADER_BYTES);
        }
        byte[] json = new byte[headerLength];
        try {
            in.readFully(json);
        } catch (EOFException e) {
            throw new WeightsFormatException(
                    Reason.TRUNCATED, "the stream ended inside the " + headerLength + "-byte header");
        }
        WeightsHeader header;
        try {
            header = JSON.readValue(json, WeightsHeader.class);
        } catch (IOException | IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new WeightsFormatException(
                    Reason.MALFORMED,
                    "header is not valid: " + message.lines().findFirst().orElse(message));
        }
        header.requireWellFormed();
        return header;
    }

    private void requireWellFormed() throws WeightsFormatException {
        if (!FORMAT_NAME.equals(format) || config == null || tensors == null || metadata == null) {
            throw new WeightsFormatException(Reason.MALFORMED, "header lacks format, config, metadata or tensors");
        }
        for (TensorEntry entry : tensors) {
            if (!FLOAT32.equals(entry.dtype())) {
                throw new WeightsFormatException(
                        Reason.DTYPE_MISMATCH,
                        "tensor " + entry.name() + " has dtype " + entry.dtype() + "; only " + FLOAT32
                                + " is accepted");
            }
            if (entry.shape() == null
                    || Arrays.stream(entry.shape()).anyMatch(d -> d <= 0)
                    || entry.size() > Integer.MAX_VALUE / 4) {
                throw new WeightsFormatException(
                        Reason.SHAPE_MISMATCH,
                        "tensor " + entry.name() + " has an invalid shape " + Arrays.toString(entry.shape()));
            }
        }
    }
}

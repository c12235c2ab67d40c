package io.alexstream.engine.weights;

import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.weights.WeightsHeader.TensorEntry;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the artifact in one pass: preamble, header, tensors in header order and the SHA-256 of
 * all of it. The checksum is computed as the bytes go out, so the artifact is never held whole;
 * the caller's stream is flushed but left open.
 */
final class WeightsWriter {

    private WeightsWriter() {}

    static void write(ModelWeights weights, OutputStream out) throws IOException {
        List<TensorEntry> entries = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        entries.add(new TensorEntry(ModelWeights.MEAN, weights.meanShape(), WeightsHeader.FLOAT32));
        data.add(weights.mean());
        for (VariableSpec spec : AlexNetGraph.variableSpecs(weights.config())) {
            float[] values = weights.variables().get(spec.name());
            if (values == null) {
                throw new IllegalArgumentException("weights lack variable " + spec.name());
            }
            entries.add(new TensorEntry(spec.name(), spec.shape(), WeightsHeader.FLOAT32));
            data.add(values);
        }
        WeightsHeader header =
                new WeightsHeader(WeightsHeader.FORMAT_NAME, weights.config(), weights.metadata(), entries);
        writeRaw(header, data, out);
    }

    /** Writes any header and data as given: the tests use it to build deliberately wrong artifacts. */
    static void writeRaw(WeightsHeader header, List<float[]> data, OutputStream out) throws IOException {
        MessageDigest sha = WeightsCodec.sha256();
        DataOutputStream body = new DataOutputStream(new DigestOutputStream(nonClosing(out), sha));
        byte[] json = header.toJson();
        body.write(WeightsHeader.MAGIC);
        body.writeInt(WeightsCodec.FORMAT_VERSION);
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

    private static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
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
}

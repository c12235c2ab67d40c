package io.alexstream.bench.peer;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One protobuf message written field by field with protobuf's own wire encoder; a nested message is written into
 * its own {@code ProtoMessage} and added as bytes. Enough of the wire format for an ONNX model, without generating
 * classes from onnx.proto for a bench-only export.
 */
final class ProtoMessage {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    ProtoMessage int64(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    ProtoMessage int64s(int field, long... values) {
        for (long value : values) {
            int64(field, value);
        }
        return this;
    }

    ProtoMessage string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoMessage bytes(int field, byte[] value) {
        return write(() -> out.writeByteArray(field, value));
    }

    ProtoMessage message(int field, ProtoMessage value) {
        return bytes(field, value.toByteArray());
    }

    byte[] toByteArray() {
        write(out::flush);
        return bytes.toByteArray();
    }

    private ProtoMessage write(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return this;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}

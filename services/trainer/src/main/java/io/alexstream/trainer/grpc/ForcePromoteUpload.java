package io.alexstream.trainer.grpc;

import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.proto.v1.ForcePromoteRequest;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;

/**
 * One {@code ForcePromote} upload as its parts arrive: the header first, then at most the announced bytes, never more
 * than the largest artifact the trainer reads ({@link WeightsCodec#DEFAULT_MAX_BYTES}).
 */
final class ForcePromoteUpload {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private String reason;
    private long announced = -1;

    void add(ForcePromoteRequest part) {
        if (part.hasHeader()) {
            if (announced >= 0) {
                throw invalid("a second header");
            }
            announced = part.getHeader().getTotalBytes();
            if (announced <= 0 || announced > WeightsCodec.DEFAULT_MAX_BYTES) {
                throw invalid("total_bytes must lie in 1.." + WeightsCodec.DEFAULT_MAX_BYTES + ", not " + announced);
            }
            reason = part.getHeader().getReason();
            return;
        }
        if (announced < 0) {
            throw invalid("data before the header");
        }
        if (bytes.size() + (long) part.getData().size() > announced) {
            throw invalid("more bytes than the header's total_bytes " + announced);
        }
        bytes.writeBytes(part.getData().toByteArray());
    }

    String reason() {
        return reason;
    }

    byte[] artifact() {
        if (announced < 0) {
            throw invalid("no header");
        }
        if (bytes.size() != announced) {
            throw invalid("got " + bytes.size() + " bytes of the announced " + announced);
        }
        return bytes.toByteArray();
    }

    private static RuntimeException invalid(String why) {
        return Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException();
    }
}

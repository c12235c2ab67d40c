package io.alexstream.engine.weights;

/** A weights artifact that must not be loaded, with the reason and a message naming the problem. */
public final class WeightsFormatException extends Exception {

    public enum Reason {
        /** The stream ended before the artifact did. */
        TRUNCATED,
        /** The SHA-256 over the artifact does not match its trailer. */
        CHECKSUM_MISMATCH,
        /** Not an alexstream weights artifact, an unknown format version, or a broken header. */
        MALFORMED,
        /** A tensor whose dtype is not float32. */
        DTYPE_MISMATCH,
        /** A tensor whose shape does not match its config, or a tensor missing or unexpected. */
        SHAPE_MISMATCH,
        /** The artifact's model config differs from the model it is loaded into. */
        CONFIG_MISMATCH,
        /** A NaN or infinite value. */
        NON_FINITE,
        /** Larger than the configured limit. */
        TOO_LARGE
    }

    private final Reason reason;

    public WeightsFormatException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

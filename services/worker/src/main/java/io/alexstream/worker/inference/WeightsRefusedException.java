package io.alexstream.worker.inference;

/**
 * Weights this worker will not serve, with a typed {@link Reason}: the transport that delivered
 * them maps the reason to its own status (the gRPC services do, see {@code grpc.Refusals}), so no
 * caller ever parses a reason back out of a message.
 */
public final class WeightsRefusedException extends Exception {

    /** Why weights were refused; {@link #aboutTheWeights} marks the verdicts that another try would repeat. */
    public enum Reason {
        /** The chunks broke the stream's rules: no header first, a second header, a header that disagrees. */
        MALFORMED_STREAM(false, false),
        /** More bytes than this worker accepts. */
        TOO_LARGE(false, false),
        /** Fewer bytes arrived than the header announced. */
        TRUNCATED(false, true),
        /** The artifact could not be decoded or loaded (checksum, format, dtype, shapes, values). */
        INVALID_WEIGHTS(true, false),
        /** Weights for another model config or shapes. */
        INCOMPATIBLE(true, false),
        /** Older than the served version without an explicit rollback. */
        OLDER_VERSION(true, false),
        /** A version this worker refused before: validation is deterministic. */
        REFUSED_BEFORE(true, false),
        /** The warm-up inference gave non-finite probabilities or ones that do not sum to one. */
        WARM_UP_FAILED(true, true);

        private final boolean aboutTheWeights;
        private final boolean named;

        Reason(boolean aboutTheWeights, boolean named) {
            this.aboutTheWeights = aboutTheWeights;
            this.named = named;
        }

        /** True when the verdict is on the weights, not on how they travelled: pulling them again is futile. */
        public boolean aboutTheWeights() {
            return aboutTheWeights;
        }

        /** True when the reason's name leads the text callers see ({@code WARM_UP_FAILED: ...}), as it always has. */
        public boolean named() {
            return named;
        }
    }

    private final Reason reason;

    public WeightsRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The text callers see: the message, led by the reason's name where that is its contract. */
    public String description() {
        return reason.named() ? reason.name() + ": " + getMessage() : getMessage();
    }
}

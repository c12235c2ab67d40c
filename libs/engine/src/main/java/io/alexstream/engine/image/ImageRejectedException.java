package io.alexstream.engine.image;

/** An image the engine will not classify, with a machine-readable reason and a precise message. */
public final class ImageRejectedException extends Exception {

    /** Why an image was refused; services map these to HTTP, gRPC and dead-letter reasons. */
    public enum Reason {
        EMPTY,
        TOO_MANY_BYTES,
        UNSUPPORTED_FORMAT,
        DIMENSIONS_TOO_LARGE,
        CORRUPT
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

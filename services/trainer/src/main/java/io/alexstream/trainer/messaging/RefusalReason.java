package io.alexstream.trainer.messaging;

import io.alexstream.engine.image.ImageRejectedException;

/**
 * Why the trainer refused a labeled record: its own checks of headers, id and label, or the engine's reason for
 * rejecting the image. {@link #wireName()} is the text of the dead-letter reason header and of the rejection
 * counter's {@code reason} tag, the same strings whichever check refused.
 */
public enum RefusalReason {
    /** A label or image-id header whose value is null or not UTF-8. */
    BAD_HEADER,
    /** An image id (from its header or the key) longer than the configured limit. */
    BAD_ID,
    /** No label, or one that names no class of the model. */
    BAD_LABEL,
    /** Anything else that went wrong with one record. */
    INTERNAL,
    /** No image bytes (a tombstone included). */
    EMPTY,
    TOO_MANY_BYTES,
    UNSUPPORTED_FORMAT,
    DIMENSIONS_TOO_LARGE,
    CORRUPT;

    /** The engine's rejection under the same name; a switch, so a new engine reason fails the build here. */
    public static RefusalReason of(ImageRejectedException.Reason reason) {
        return switch (reason) {
            case EMPTY -> EMPTY;
            case TOO_MANY_BYTES -> TOO_MANY_BYTES;
            case UNSUPPORTED_FORMAT -> UNSUPPORTED_FORMAT;
            case DIMENSIONS_TOO_LARGE -> DIMENSIONS_TOO_LARGE;
            case CORRUPT -> CORRUPT;
        };
    }

    /** The reason as the dead-letter header and the metrics write it. */
    public String wireName() {
        return name();
    }
}

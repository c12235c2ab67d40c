package io.alexstream.worker.grpc;

import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.proto.v1.ImageError;
import io.alexstream.proto.v1.ImageErrorReason;
import io.alexstream.worker.inference.WeightsRefusedException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * Turns the worker's typed refusals into gRPC statuses: the code and the description callers
 * have always seen, plus the reason itself in a trailer, so that nobody, this worker's stream
 * answers included, has to parse a reason back out of a description.
 */
public final class Refusals {

    /** A refused image's {@link ImageError} (typed reason and message), binary. */
    static final Metadata.Key<ImageError> IMAGE_ERROR = ProtoUtils.keyForProto(ImageError.getDefaultInstance());
    /** Why weights were refused: a {@link WeightsRefusedException.Reason} or {@link WeightsFormatException.Reason}. */
    static final Metadata.Key<String> WEIGHTS_REFUSAL =
            Metadata.Key.of("alexstream-weights-refusal", Metadata.ASCII_STRING_MARSHALLER);

    private Refusals() {}

    static StatusRuntimeException image(ImageRejectedException e) {
        Metadata trailers = new Metadata();
        trailers.put(
                IMAGE_ERROR,
                ImageError.newBuilder()
                        .setReason(reason(e.reason()))
                        .setMessage(e.getMessage())
                        .build());
        return Status.INVALID_ARGUMENT
                .withDescription(e.reason() + ": " + e.getMessage())
                .asRuntimeException(trailers);
    }

    /** The image error a status carries, with the code and description as its message; UNSPECIFIED when none. */
    static ImageError imageError(StatusRuntimeException failure) {
        String description = String.valueOf(failure.getStatus().getDescription());
        Metadata trailers = failure.getTrailers();
        ImageErrorReason reason = trailers != null && trailers.containsKey(IMAGE_ERROR)
                ? trailers.get(IMAGE_ERROR).getReason()
                : ImageErrorReason.IMAGE_ERROR_REASON_UNSPECIFIED;
        return ImageError.newBuilder()
                .setReason(reason)
                .setMessage(failure.getStatus().getCode() + ": " + description)
                .build();
    }

    static StatusRuntimeException weights(WeightsRefusedException e) {
        Status status = switch (e.reason()) {
            case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
            case INCOMPATIBLE, OLDER_VERSION, REFUSED_BEFORE -> Status.FAILED_PRECONDITION;
            case MALFORMED_STREAM, TRUNCATED, INVALID_WEIGHTS, WARM_UP_FAILED -> Status.INVALID_ARGUMENT;
        };
        return status.withDescription(e.description())
                .asRuntimeException(weightsTrailers(e.reason().name()));
    }

    static StatusRuntimeException weights(WeightsFormatException e) {
        Status status = switch (e.reason()) {
            case CONFIG_MISMATCH, SHAPE_MISMATCH -> Status.FAILED_PRECONDITION;
            case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
            default -> Status.INVALID_ARGUMENT;
        };
        return status.withDescription(e.getMessage())
                .asRuntimeException(weightsTrailers(e.reason().name()));
    }

    private static Metadata weightsTrailers(String reason) {
        Metadata trailers = new Metadata();
        trailers.put(WEIGHTS_REFUSAL, reason);
        return trailers;
    }

    private static ImageErrorReason reason(ImageRejectedException.Reason reason) {
        return switch (reason) {
            case EMPTY -> ImageErrorReason.EMPTY;
            case TOO_MANY_BYTES -> ImageErrorReason.TOO_MANY_BYTES;
            case UNSUPPORTED_FORMAT -> ImageErrorReason.UNSUPPORTED_FORMAT;
            case DIMENSIONS_TOO_LARGE -> ImageErrorReason.DIMENSIONS_TOO_LARGE;
            case CORRUPT -> ImageErrorReason.CORRUPT;
        };
    }

    /** A classification asked of a shadow worker, which runs a version under test: no caller may get its answer. */
    public static StatusRuntimeException shadowWorker() {
        return Status.FAILED_PRECONDITION
                .withDescription("a shadow worker answers no callers")
                .asRuntimeException();
    }

    /** A classification asked before any model is loaded, with why none is. */
    public static StatusRuntimeException noModel(String lastError) {
        return Status.UNAVAILABLE
                .withDescription("no model loaded (" + lastError + ")")
                .asRuntimeException();
    }

    /** The status a caller gets for a failed classification: its own status, DEADLINE_EXCEEDED, or INTERNAL. */
    public static StatusRuntimeException toStatus(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StatusRuntimeException status) {
            return status;
        }
        if (cause instanceof TimeoutException || cause instanceof CancellationException) {
            return Status.DEADLINE_EXCEEDED
                    .withDescription("the deadline passed before the image was classified")
                    .asRuntimeException();
        }
        return Status.INTERNAL
                .withDescription(String.valueOf(cause.getMessage()))
                .withCause(cause)
                .asRuntimeException();
    }
}

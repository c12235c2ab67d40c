package io.alexstream.worker.inference;

import io.grpc.Status;

/** Weights this worker will not serve; the status is what the pushing trainer is told. */
public final class WeightsRefusedException extends Exception {

    private final Status.Code code;

    public WeightsRefusedException(Status.Code code, String message) {
        super(message);
        this.code = code;
    }

    public Status.Code code() {
        return code;
    }

    public Status toStatus() {
        return Status.fromCode(code).withDescription(getMessage());
    }
}

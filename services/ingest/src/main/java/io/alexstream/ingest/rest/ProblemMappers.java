package io.alexstream.ingest.rest;

import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Application-wide mappers, so that no answer is a bare or plain-text error: refusals the
 * framework raises before a resource method runs (an unsupported content type, a wrong method, a
 * multipart body that does not parse) and, as the last resort, any other Throwable get the same
 * JSON problem body as ours. The most specific mapper wins, so the Throwable one sees only the rest.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e) {
        return Problem.response(
                415,
                "unsupported content type",
                "send an image (image/jpeg, image/png, image/gif, "
                        + "image/bmp, application/octet-stream) or multipart/form-data with 'file' parts;"
                        + " application/json to /v1/labels",
                "UNSUPPORTED_CONTENT_TYPE");
    }

    /** Keeps the framework's status and headers (Allow on a 405), with a problem body instead of none. */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response original = e.getResponse();
        Response.Status known = Response.Status.fromStatusCode(original.getStatus());
        String reason = known == null ? "HTTP_" + original.getStatus() : known.name();
        Problem problem =
                new Problem(original.getStatus(), original.getStatusInfo().getReasonPhrase(), e.getMessage(), reason);
        return Response.fromResponse(original)
                .type(MediaType.APPLICATION_JSON)
                .entity(problem)
                .build();
    }

    /** Outside our resource (which reads its own files) an IOException means the request body could not be read. */
    @ServerExceptionMapper
    public Response unreadableBody(IOException e) {
        return Problem.response(
                400,
                "unreadable request body",
                "cannot read the request body: " + e.getMessage()
                        + "; a multipart body needs a boundary and well-formed parts",
                "MALFORMED_REQUEST");
    }

    /** The last resort: the cause stays in the log, under an id the caller can quote. */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected failure, error id %s", errorId);
        return Problem.response(
                500,
                "internal error",
                "unexpected " + e.getClass().getSimpleName() + "; logged as error " + errorId,
                "INTERNAL");
    }
}

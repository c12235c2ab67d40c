package io.alexstream.ingest.rest;

import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Application-wide mappers: refusals the framework raises before a resource method runs
 * (an unsupported content type) get the same JSON problem body as ours.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e) {
        return ImageResource.problem(415, "unsupported content type", "send an image (image/jpeg, image/png, image/gif, "
                + "image/bmp, application/octet-stream) or multipart/form-data with 'file' parts",
                "UNSUPPORTED_CONTENT_TYPE", null, null);
    }
}

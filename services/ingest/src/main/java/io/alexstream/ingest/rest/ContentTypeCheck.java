package io.alexstream.ingest.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a {@code Content-Type} header that does not parse with a JSON 415, before resource
 * matching: the framework's own parse throws there, and its error page is not a problem body.
 */
public class ContentTypeCheck {

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> refuseUnparseable(ContainerRequestContext request) {
        String contentType = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (contentType == null) {
            return Optional.empty();
        }
        try {
            MediaType.valueOf(contentType);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(Problem.response(
                    415,
                    "unsupported content type",
                    "cannot parse Content-Type '" + contentType + "': " + e.getMessage(),
                    "UNSUPPORTED_CONTENT_TYPE"));
        }
    }
}

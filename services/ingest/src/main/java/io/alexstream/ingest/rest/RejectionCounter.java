package io.alexstream.ingest.rest;

import io.alexstream.ingest.metrics.IngestMetrics;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Counts every refusal once, whichever path produced it (our checks, the framework's content
 * type check, a broker that did not acknowledge), by the reason in its problem body: those of
 * {@code /v1/labels} apart from the images', so an alert on refused images sees images only.
 */
public class RejectionCounter {

    private final IngestMetrics metrics;

    public RejectionCounter(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerResponseFilter
    public void countRejection(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem) {
            if (request.getUriInfo().getPath().replaceFirst("^/", "").startsWith("v1/labels")) {
                metrics.labelsRejected(problem.reason());
            } else {
                metrics.rejected(problem.reason());
            }
        }
    }
}

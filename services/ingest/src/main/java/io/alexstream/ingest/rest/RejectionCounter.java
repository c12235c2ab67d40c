package io.alexstream.ingest.rest;

import io.alexstream.ingest.metrics.IngestMetrics;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Counts every refusal once, whichever path produced it (our checks, the framework's content
 * type check, a broker that did not acknowledge), by the reason in its problem body.
 */
public class RejectionCounter {

    private final IngestMetrics metrics;

    public RejectionCounter(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerResponseFilter
    public void countRejection(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem) {
            metrics.rejected(problem.reason());
        }
    }
}

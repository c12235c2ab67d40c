package io.alexstream.ingest.rest;

import io.alexstream.ingest.messaging.Acknowledgements;
import io.alexstream.ingest.messaging.LabelPublisher;
import io.alexstream.ingest.messaging.LabelPublisher.LateLabel;
import io.alexstream.ingest.metrics.IngestMetrics;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/labels}: late labels for images classified before, by image id, without their
 * bytes; the labeller's bearer token is needed, as for a labelled upload ({@link LabellerAuth}).
 * Every entry is checked first ({@link LabelRequestReader}); then each label becomes one record on
 * the labels topic, and the answer is 202 {@code {"accepted": N, "ids": [...]}} once the broker
 * has acknowledged every record. A refusal publishes nothing, except when the broker acknowledges
 * some records and not others: the 503 PUBLISH_FAILED problem then lists the image ids in
 * {@code published} and {@code failed}, so the caller sends only the failed labels again.
 */
@Path("/v1/labels")
@Produces(MediaType.APPLICATION_JSON)
public class LabelResource {

    private static final Logger LOG = Logger.getLogger(LabelResource.class);

    /** 202 body: how many labels were published and their image ids, in request order. */
    public record Accepted(int accepted, List<String> ids) {}

    private final LabelPublisher publisher;
    private final LabelRequestReader reader;
    private final LabellerAuth labellerAuth;
    private final IngestMetrics metrics;

    public LabelResource(
            LabelPublisher publisher, LabelRequestReader reader, LabellerAuth labellerAuth, IngestMetrics metrics) {
        this.publisher = publisher;
        this.reader = reader;
        this.labellerAuth = labellerAuth;
        this.metrics = metrics;
    }

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> post(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        // the token first: an unauthenticated caller learns nothing about its body
        Optional<Response> refusal = labellerAuth.refusal(authorization);
        if (refusal.isPresent()) {
            return CompletableFuture.completedFuture(refusal.get());
        }
        List<LateLabel> labels;
        try {
            labels = reader.read(body);
        } catch (LabelRequestReader.Refused e) {
            return CompletableFuture.completedFuture(e.problem().toResponse());
        }
        List<String> ids = new ArrayList<>(labels.size());
        List<CompletableFuture<Void>> acks = new ArrayList<>(labels.size());
        for (LateLabel label : labels) {
            ids.add(label.imageId());
            acks.add(send(label));
        }
        return Acknowledgements.await(ids, acks).thenApply(result -> {
            if (result.allPublished()) {
                metrics.labelsAccepted(ids.size());
                return Response.accepted(new Accepted(ids.size(), ids)).build();
            }
            LOG.errorf(
                    result.firstFailure(),
                    "the broker did not acknowledge the labels of %s (acknowledged %s)",
                    result.failed(),
                    result.published());
            return Problem.publishFailed(result, "labels", "send the labels of the image ids in 'failed' again");
        });
    }

    /** A publisher that throws instead of failing its stage fails that label alone, like a nack. */
    private CompletableFuture<Void> send(LateLabel label) {
        try {
            return publisher.publish(label).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}

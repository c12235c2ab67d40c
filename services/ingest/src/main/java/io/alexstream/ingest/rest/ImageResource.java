package io.alexstream.ingest.rest;

import io.alexstream.contracts.Topics;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.ingest.config.IngestConfig;
import io.alexstream.ingest.messaging.Acknowledgements;
import io.alexstream.ingest.messaging.ImagePublisher;
import io.alexstream.ingest.messaging.ImagePublisher.Envelope;
import io.alexstream.ingest.metrics.IngestMetrics;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * {@code POST /v1/images}: one image as the raw body (an image content type) or several as
 * multipart/form-data ({@code file} parts), with an optional {@code label} that routes them to
 * the labeled images topic and needs the labeller's bearer token ({@link LabellerAuth}). Every
 * image is checked first (size, format, dimensions from the header, decodable); the answer is 202
 * with the ids once the broker has acknowledged every record, or a JSON problem naming the broken
 * limit, and then nothing was published. The one exception: when the broker acknowledges some
 * records of a request and not others, the 503 PUBLISH_FAILED problem lists the ids in
 * {@code published} and {@code failed}, so the caller sends only the failed images again.
 */
@Path("/v1/images")
@Produces(MediaType.APPLICATION_JSON)
public class ImageResource {

    private static final Logger LOG = Logger.getLogger(ImageResource.class);

    /** 202 body: the ids of the accepted images, in request order, and where they went. */
    public record Accepted(List<String> ids, String topic) {}

    private final ImagePublisher publisher;
    private final ImageVerifier verifier;
    private final LabellerAuth labellerAuth;
    private final IngestConfig config;
    private final IngestMetrics metrics;

    public ImageResource(
            ImagePublisher publisher,
            ImageVerifier verifier,
            LabellerAuth labellerAuth,
            IngestConfig config,
            IngestMetrics metrics) {
        this.publisher = publisher;
        this.verifier = verifier;
        this.labellerAuth = labellerAuth;
        this.config = config;
        this.metrics = metrics;
    }

    @POST
    @Blocking
    @Consumes({"image/jpeg", "image/png", "image/gif", "image/bmp", MediaType.APPLICATION_OCTET_STREAM})
    public CompletionStage<Response> postRaw(
            byte[] body,
            @QueryParam("label") String label,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("X-Correlation-Id") String correlationId,
            @HeaderParam("X-Source") String source) {
        Optional<Response> refusal = labelRefusal(label, authorization);
        if (refusal.isPresent()) {
            return CompletableFuture.completedFuture(refusal.get());
        }
        return accept(List.of(new Upload(null, body)), label, correlationId, source);
    }

    @POST
    @Blocking
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public CompletionStage<Response> postMultipart(
            @RestForm("file") List<FileUpload> files,
            @RestForm("label") String label,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("X-Correlation-Id") String correlationId,
            @HeaderParam("X-Source") String source) {
        Optional<Response> refusal = labelRefusal(label, authorization);
        if (refusal.isPresent()) {
            return CompletableFuture.completedFuture(refusal.get());
        }
        if (files == null || files.isEmpty()) {
            return CompletableFuture.completedFuture(problem(
                    400, "no file parts", "multipart requests need one or more 'file' parts", "EMPTY", null, null));
        }
        if (files.size() > config.maxFilesPerRequest()) {
            return CompletableFuture.completedFuture(problem(
                    413,
                    "too many files",
                    files.size() + " files; the limit is " + config.maxFilesPerRequest() + " per request",
                    "TOO_MANY_FILES",
                    (long) config.maxFilesPerRequest(),
                    null));
        }
        List<Upload> uploads = new ArrayList<>();
        for (FileUpload file : files) {
            if (file.size() > config.maxImageBytes()) {
                return CompletableFuture.completedFuture(problem(
                        413,
                        "image too large",
                        "image is " + file.size() + " bytes; the limit is " + config.maxImageBytes() + " bytes",
                        "TOO_MANY_BYTES",
                        config.maxImageBytes(),
                        file.fileName()));
            }
            try {
                uploads.add(new Upload(file.fileName(), Files.readAllBytes(file.uploadedFile())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read uploaded part " + file.fileName(), e);
            }
        }
        return accept(uploads, label, correlationId, source);
    }

    private record Upload(String fileName, byte[] bytes) {}

    private Optional<Response> labelRefusal(String label, String authorization) {
        return labelOf(label) == null ? Optional.empty() : labellerAuth.refusal(authorization);
    }

    /** A blank label is no label: the image goes to the images topic, as it always did. */
    private static String labelOf(String label) {
        return label == null || label.isBlank() ? null : label.trim();
    }

    private CompletionStage<Response> accept(List<Upload> uploads, String label, String correlationId, String source) {
        List<String> types = new ArrayList<>();
        for (Upload upload : uploads) {
            try {
                types.add(verifier.contentType(upload.bytes()));
            } catch (ImageRejectedException e) {
                return CompletableFuture.completedFuture(refusal(e, upload.fileName()));
            }
        }
        String normalisedLabel = labelOf(label);
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < uploads.size(); i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            acks.add(send(
                    new Envelope(id, types.get(i), normalisedLabel, source, correlationId),
                    uploads.get(i).bytes()));
        }
        String topic = normalisedLabel == null ? Topics.IMAGES : Topics.LABELED;
        return Acknowledgements.await(ids, acks).thenApply(result -> {
            if (result.allPublished()) {
                uploads.forEach(upload -> metrics.accepted(topic, upload.bytes().length));
                return Response.accepted(new Accepted(ids, topic)).build();
            }
            LOG.errorf(
                    result.firstFailure(),
                    "the broker did not acknowledge %s (acknowledged %s)",
                    result.failed(),
                    result.published());
            return Problem.publishFailed(result, "images", "send the ones in 'failed' again");
        });
    }

    /** A publisher that throws instead of failing its stage fails that image alone, like a nack. */
    private CompletableFuture<Void> send(Envelope envelope, byte[] image) {
        try {
            return publisher.publish(envelope, image).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Response refusal(ImageRejectedException e, String fileName) {
        return switch (e.reason()) {
            case EMPTY -> problem(400, "empty image", e.getMessage(), e.reason().name(), null, fileName);
            case CORRUPT ->
                problem(400, "undecodable image", e.getMessage(), e.reason().name(), null, fileName);
            case UNSUPPORTED_FORMAT ->
                problem(
                        415,
                        "unsupported image format",
                        e.getMessage(),
                        e.reason().name(),
                        null,
                        fileName);
            case TOO_MANY_BYTES ->
                problem(413, "image too large", e.getMessage(), e.reason().name(), config.maxImageBytes(), fileName);
            case DIMENSIONS_TOO_LARGE ->
                problem(
                        413,
                        "image dimensions too large",
                        e.getMessage(),
                        e.reason().name(),
                        config.maxImagePixels(),
                        fileName);
        };
    }

    private static Response problem(int status, String title, String detail, String reason, Long limit, String file) {
        return new Problem("about:blank", title, status, detail, reason, limit, file, null, null, null).toResponse();
    }
}

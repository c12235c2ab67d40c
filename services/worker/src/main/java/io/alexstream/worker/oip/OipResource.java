package io.alexstream.worker.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.worker.grpc.Refusals;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.alexstream.worker.security.CallerToken;
import io.grpc.StatusRuntimeException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Open Inference Protocol over HTTP/REST on the worker's HTTP port, the twin of {@link OipService}: health,
 * server and model metadata, and inference with JSON tensors ({@link OipJson}). An error is
 * {@code {"error": "<reason>"}} with 400 (a malformed tensor or a refused image), 401 (no caller token where
 * {@code alexstream.auth.caller-token} is set), 404 (unknown model or version), 429
 * (the queue is full), 503 (no model loaded, or a shadow worker) or 504.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class OipResource {

    private final OipInference inference;
    private final OipJson json;
    private final CallerToken callerToken;

    public OipResource(OipInference inference, ObjectMapper mapper, CallerToken callerToken) {
        this.inference = inference;
        this.json = new OipJson(mapper);
        this.callerToken = callerToken;
    }

    @GET
    public Response server() {
        var metadata = inference.serverMetadata();
        var body = json.object();
        body.put("name", metadata.getName()).put("version", metadata.getVersion());
        metadata.getExtensionsList().forEach(body.putArray("extensions")::add);
        return Response.ok(body).build();
    }

    @GET
    @Path("/health/live")
    public Response live() {
        return Response.ok(json.object().put("live", true)).build();
    }

    @GET
    @Path("/health/ready")
    public Response ready() {
        boolean ready = inference.ready();
        return Response.status(ready ? 200 : 503)
                .entity(json.object().put("ready", ready))
                .build();
    }

    @GET
    @Path("/models/{model}")
    public Response model(@PathParam("model") String model) {
        return metadata(model, "");
    }

    @GET
    @Path("/models/{model}/versions/{version}")
    public Response metadata(@PathParam("model") String model, @PathParam("version") String version) {
        try {
            return Response.ok(json.metadata(inference.modelMetadata(model, version)))
                    .build();
        } catch (StatusRuntimeException e) {
            return error(e);
        }
    }

    @GET
    @Path("/models/{model}/ready")
    public Response modelReady(@PathParam("model") String model) {
        return versionReady(model, "");
    }

    @GET
    @Path("/models/{model}/versions/{version}/ready")
    public Response versionReady(@PathParam("model") String model, @PathParam("version") String version) {
        boolean ready = inference.modelReady(model, version);
        return Response.status(ready ? 200 : 503)
                .entity(json.object().put("name", model).put("ready", ready))
                .build();
    }

    @POST
    @Path("/models/{model}/infer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public CompletionStage<Response> infer(
            @PathParam("model") String model, @HeaderParam("authorization") String authorization, JsonNode body) {
        return inferVersion(model, "", authorization, body);
    }

    @POST
    @Path("/models/{model}/versions/{version}/infer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public CompletionStage<Response> inferVersion(
            @PathParam("model") String model,
            @PathParam("version") String version,
            @HeaderParam("authorization") String authorization,
            JsonNode body) {
        if (!callerToken.admits(authorization)) {
            return CompletableFuture.completedFuture(
                    Response.status(401).entity(json.error(CallerToken.REFUSAL)).build());
        }
        try {
            return inference
                    .infer(json.request(model, version, body), OptionalLong.empty(), WorkerMetrics.Source.OIP_HTTP)
                    .thenApply(response -> Response.ok(json.response(response)).build())
                    .exceptionally(failure -> error(Refusals.toStatus(failure)));
        } catch (StatusRuntimeException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    private Response error(StatusRuntimeException e) {
        int status = switch (e.getStatus().getCode()) {
            case INVALID_ARGUMENT -> 400;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE, FAILED_PRECONDITION -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
        String message = e.getStatus().getDescription() == null
                ? e.getStatus().getCode().name()
                : e.getStatus().getDescription();
        return Response.status(status).entity(json.error(message)).build();
    }
}

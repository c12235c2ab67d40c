package io.alexstream.ingest.rest;

import io.alexstream.ingest.config.IngestConfig;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Bounds the upload bytes held at once: an upload takes its declared size (the body limit when
 * it declares none) before its body is read, and gives it back when its response ends or its
 * connection drops. Past the budget the answer is a JSON 503 {@code BUSY} with
 * {@code Retry-After}, so a burst of large in-limit uploads slows callers down instead of
 * exhausting the heap.
 */
@ApplicationScoped
public class UploadBudget {

    private final Semaphore kibibytes;
    private final long bodyLimit;

    public UploadBudget(IngestConfig config) {
        long budget = config.maxBytesInFlight().orElse(Runtime.getRuntime().maxMemory() / 4);
        this.kibibytes = new Semaphore((int) Math.max(1, Math.min(Integer.MAX_VALUE, budget >> 10)));
        // the images of one request plus the multipart framing, as quarkus.http.limits.max-body-size allows
        this.bodyLimit = 64L << 20;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> take(RoutingContext context) {
        if (!"POST".equals(context.request().method().name())) {
            return Optional.empty();
        }
        long declared = parse(context.request().getHeader(HttpHeaders.CONTENT_LENGTH));
        int permits =
                (int) Math.max(1, Math.min(Integer.MAX_VALUE, ((declared < 0 ? bodyLimit : declared) + 1023) >> 10));
        if (!kibibytes.tryAcquire(permits)) {
            return Optional.of(Response.fromResponse(Problem.response(
                            503,
                            "busy",
                            "uploads in flight hold this ingest's " + "memory budget; retry in a second",
                            "BUSY"))
                    .header("Retry-After", "1")
                    .build());
        }
        context.addEndHandler(done -> kibibytes.release(permits));
        return Optional.empty();
    }

    /** Bytes of the budget free now. */
    long available() {
        return (long) kibibytes.availablePermits() << 10;
    }

    private static long parse(String length) {
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package io.alexstream.ingest.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.alexstream.ingest.messaging.Acknowledgements;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * The JSON body of every refusal (RFC 9457 fields plus {@code reason} and {@code limit}). Fields
 * without a value are left out.
 *
 * @param reason    machine-readable cause, e.g. TOO_MANY_BYTES, DIMENSIONS_TOO_LARGE, CORRUPT,
 *                  UNAUTHENTICATED, PUBLISH_FAILED, INTERNAL
 * @param limit     the limit that was broken, when one was
 * @param file      the multipart file it concerns, when there were several
 * @param published on PUBLISH_FAILED: the ids the broker acknowledged, in request order (they are
 *                  on the topic; do not send them again)
 * @param failed    on PUBLISH_FAILED: the ids it did not acknowledge, in request order (send only
 *                  these images again; they get new ids)
 * @param entry     on a refused {@code POST /v1/labels}: the 0-based index of the offending entry in
 *                  {@code labels}, when one entry is to blame
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        String reason,
        Long limit,
        String file,
        List<String> published,
        List<String> failed,
        Integer entry) {

    public Problem(int status, String title, String detail, String reason) {
        this("about:blank", title, status, detail, reason, null, null, null, null, null);
    }

    /** The HTTP answer carrying this problem as JSON. */
    public Response toResponse() {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(this)
                .build();
    }

    /**
     * The 503 for a request whose records the broker did not all acknowledge: which ids were published and which
     * failed, so the caller sends only the failed ones again.
     *
     * @param items  what the request carried ("images", "labels")
     * @param resend how to send the failed ones again, in words
     */
    public static Response publishFailed(Acknowledgements result, String items, String resend) {
        String title = result.published().isEmpty() ? "not published" : "partly published";
        String detail = "the broker acknowledged " + result.published().size() + " of "
                + (result.published().size() + result.failed().size()) + " " + items + "; " + resend + ": "
                + result.firstFailure();
        return new Problem(
                        "about:blank",
                        title,
                        503,
                        detail,
                        "PUBLISH_FAILED",
                        null,
                        null,
                        result.published(),
                        result.failed(),
                        null)
                .toResponse();
    }

    public static Response response(int status, String title, String detail, String reason) {
        return new Problem(status, title, detail, reason).toResponse();
    }
}

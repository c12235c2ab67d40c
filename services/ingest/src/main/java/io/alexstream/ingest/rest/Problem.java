package io.alexstream.ingest.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON body of every refusal (RFC 9457 fields plus {@code reason} and {@code limit}).
 *
 * @param reason machine-readable cause, e.g. TOO_MANY_BYTES, DIMENSIONS_TOO_LARGE, CORRUPT
 * @param limit  the limit that was broken, when one was
 * @param file   the multipart file it concerns, when there were several
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String reason, Long limit, String file) {
}

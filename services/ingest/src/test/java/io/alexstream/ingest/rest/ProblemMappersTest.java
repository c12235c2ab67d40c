package io.alexstream.ingest.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit, no Quarkus boot: the last-resort mapper handles failures no request can
 * provoke on purpose, so it is called directly.
 */
class ProblemMappersTest {

    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void anyUnexpectedThrowableIsAJson500NamingItsLogEntry() {
        for (Throwable failure : new Throwable[] {
            new IllegalStateException("boom"),
            new OutOfMemoryError("Java heap space"),
            new UnsupportedOperationException()
        }) {
            Response response = mappers.unexpected(failure);
            assertThat(response.getStatus()).isEqualTo(500);
            assertThat(response.getMediaType()).isEqualTo(MediaType.APPLICATION_JSON_TYPE);
            Problem problem = (Problem) response.getEntity();
            assertThat(problem.reason()).isEqualTo("INTERNAL");
            assertThat(problem.status()).isEqualTo(500);
            assertThat(problem.detail())
                    .contains(failure.getClass().getSimpleName())
                    .containsPattern("error [0-9a-f-]{36}");
        }
    }

    @Test
    void theFrameworksRefusalsKeepTheirStatusAndHeadersWithAProblemBody() {
        Response response = mappers.framework(new NotAllowedException("POST"));
        assertThat(response.getStatus()).isEqualTo(405);
        assertThat(response.getHeaderString(HttpHeaders.ALLOW)).contains("POST");
        assertThat(response.getMediaType()).isEqualTo(MediaType.APPLICATION_JSON_TYPE);
        assertThat(((Problem) response.getEntity()).reason()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void anUnreadableBodyIsA400() {
        Response response = mappers.unreadableBody(new IOException("Connection terminated parsing multipart request"));
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(((Problem) response.getEntity()).reason()).isEqualTo("MALFORMED_REQUEST");
    }
}

package io.alexstream.ingest.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain JUnit, no Quarkus boot: who may label is pure logic over one header and one
 * setting, including the unconfigured deployment the integration test's profile never is.
 */
class LabellerAuthTest {

    private static final String TOKEN = "labeller-token-0123456789abcdef";

    private final LabellerAuth auth = new LabellerAuth(() -> Optional.of(TOKEN));

    @Test
    void theLabellersTokenMayLabelWhateverTheSchemesCase() {
        assertThat(auth.refusal("Bearer " + TOKEN)).isEmpty();
        assertThat(auth.refusal("bearer " + TOKEN)).isEmpty();
    }

    @Test
    void noHeaderIs401WithABearerChallenge() {
        Response refusal = auth.refusal(null).orElseThrow();
        assertThat(refusal.getStatus()).isEqualTo(401);
        assertThat(refusal.getHeaderString(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        assertThat(reason(refusal)).isEqualTo("UNAUTHENTICATED");
        assertThat(auth.refusal(" ").orElseThrow().getStatus()).isEqualTo(401);
    }

    @Test
    void anyOtherTokenOrSchemeIs401InvalidToken() {
        for (String header : new String[] {
            "Bearer wrong-token-0123456789abcdef", "Bearer " + TOKEN + "x", "Bearer", "Basic " + TOKEN, TOKEN
        }) {
            Response refusal = auth.refusal(header).orElseThrow();
            assertThat(refusal.getStatus()).as(header).isEqualTo(401);
            assertThat(refusal.getHeaderString(HttpHeaders.WWW_AUTHENTICATE))
                    .isEqualTo("Bearer error=\"invalid_token\"");
            assertThat(reason(refusal)).isEqualTo("UNAUTHENTICATED");
        }
    }

    @Test
    void withoutAConfiguredTokenEveryLabelIsRefused403() {
        LabellerAuth[] unconfiguredAuths = {new LabellerAuth(Optional::empty), new LabellerAuth(() -> Optional.of(" "))
        };
        for (LabellerAuth unconfigured : unconfiguredAuths) {
            for (String header : new String[] {null, "Bearer ", "Bearer  ", "Bearer " + TOKEN}) {
                Response refusal = unconfigured.refusal(header).orElseThrow();
                assertThat(refusal.getStatus()).isEqualTo(403);
                assertThat(reason(refusal)).isEqualTo("PERMISSION_DENIED");
                assertThat(((Problem) refusal.getEntity()).detail()).contains("not configured");
            }
        }
    }

    private static String reason(Response response) {
        return ((Problem) response.getEntity()).reason();
    }
}

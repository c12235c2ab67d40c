package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier: plain. {@code label}'s request body and where its token comes from. */
class LabelCommandTest {

    @TempDir
    Path work;

    @Test
    void pairsBecomeTheLabelsBodyInOrder() throws Exception {
        JsonNode body = new ObjectMapper().readTree(LabelCommand.body(List.of("a=3", "x=y=Trouser", "c\"=Ankle boot")));
        assertThat(body.get("labels")).hasSize(3);
        assertThat(body.at("/labels/0/image_id").asText()).isEqualTo("a");
        assertThat(body.at("/labels/0/label").asText()).isEqualTo("3");
        assertThat(body.at("/labels/1/image_id").asText()).isEqualTo("x=y");
        assertThat(body.at("/labels/2/image_id").asText()).isEqualTo("c\"");
        assertThat(body.at("/labels/2/label").asText()).isEqualTo("Ankle boot");
        assertThatThrownBy(() -> LabelCommand.body(List.of("no-label")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ID=LABEL");
        assertThatThrownBy(() -> LabelCommand.body(List.of("a="))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTokenComesFromTheEnvironmentElseTheStacksCredentials() throws Exception {
        assertThat(LabelCommand.token(" from-env ", work)).isEqualTo("from-env");
        assertThatThrownBy(() -> LabelCommand.token(null, work))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials.env");
        Files.writeString(work.resolve("credentials.env"), StackCredentials.LABELLER_TOKEN + "=from-file\n");
        assertThat(LabelCommand.token("", work)).isEqualTo("from-file");
    }
}

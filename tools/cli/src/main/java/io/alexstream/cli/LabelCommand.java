package io.alexstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code label ID=LABEL... [--ingest URL] [--work DIR]}: late labels for images classified before,
 * posted to ingest's {@code POST /v1/labels} with the labeller's token (the environment's
 * {@code ALEXSTREAM_AUTH_LABELLER_TOKEN}, else the local stack's {@code credentials.env}); prints
 * ingest's answer, exit code 0 only on 202.
 */
final class LabelCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LabelCommand() {}

    static int run(Arguments arguments) throws Exception {
        if (arguments.positional().isEmpty()) {
            System.err.println("usage: alexstream label ID=LABEL... [--ingest http://localhost:8080] [--work DIR]");
            return 2;
        }
        String body = body(arguments.positional());
        Path root = Path.of(System.getProperty("alexstream.root", ".")).toAbsolutePath();
        String token = token(
                System.getenv(StackCredentials.LABELLER_TOKEN),
                Path.of(arguments.get("work", root.resolve("work").toString())));
        URI uri = URI.create(arguments.get("ingest", "http://localhost:8080").replaceAll("/+$", "") + "/v1/labels");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode() + " " + response.body());
        return response.statusCode() == 202 ? 0 : 1;
    }

    /** {@code {"labels":[{"image_id":ID,"label":LABEL},...]}}; the id ends at the last '=', as a label has none. */
    static String body(List<String> pairs) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode labels = root.putArray("labels");
        for (String pair : pairs) {
            int eq = pair.lastIndexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("'" + pair + "' is not ID=LABEL");
            }
            labels.addObject().put("image_id", pair.substring(0, eq)).put("label", pair.substring(eq + 1));
        }
        return root.toString();
    }

    /** The labeller token: the environment's, else the one {@code ./alexstream up} wrote for this work directory. */
    static String token(String fromEnvironment, Path work) throws IOException {
        return StackCredentials.token(StackCredentials.LABELLER_TOKEN, fromEnvironment, work);
    }
}

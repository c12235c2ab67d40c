package io.alexstream.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.local.ServiceProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Posts the bench's JPEG to ingest's {@code POST /v1/images} as a camera would: each future holds the id ingest
 * gave the image in its 202 answer, or fails with ingest's answer when it was not 202.
 */
final class IngestPoster {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final ServiceProcess ingest;
    private final byte[] image;

    IngestPoster(HttpClient http, ServiceProcess ingest, byte[] image) {
        this.http = http;
        this.ingest = ingest;
        this.image = image;
    }

    /** Posts one image; the future holds the id ingest gave it. */
    CompletableFuture<String> postOne() {
        HttpRequest request = HttpRequest.newBuilder(ingest.uri("/v1/images"))
                .header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 202) {
                throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
            }
            try {
                return JSON.readTree(response.body()).path("ids").get(0).asText();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("ingest's 202 body is not JSON: " + response.body(), e);
            }
        });
    }

    /** Posts {@code count} copies with up to 16 requests in flight; returns the ids ingest gave them. */
    List<String> post(int count) throws Exception {
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<String>> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            ids.add(postOne().whenComplete((id, e) -> inFlight.release()));
        }
        List<String> result = new ArrayList<>();
        for (CompletableFuture<String> id : ids) {
            result.add(id.get(60, TimeUnit.SECONDS));
        }
        return result;
    }
}

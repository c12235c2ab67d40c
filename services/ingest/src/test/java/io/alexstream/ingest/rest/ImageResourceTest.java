package io.alexstream.ingest.rest;

import static io.alexstream.testing.images.EncodedImages.png;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.ingest.config.IngestConfig;
import io.alexstream.ingest.messaging.ImagePublisher;
import io.alexstream.ingest.metrics.IngestMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.TimeoutException;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain JUnit, no Quarkus boot: a publisher the test controls makes the broker's partial
 * answer (one record acknowledged, the next not) certain instead of provoked, and a decoder that
 * throws an Error stands for the header tricks that exhaust the heap on some JDKs and not others.
 */
class ImageResourceTest {

    @TempDir
    Path dir;

    private final IngestMetrics metrics = new IngestMetrics(new SimpleMeterRegistry());

    @Test
    void aPartialPublishNamesThePublishedAndTheFailedIds() throws Exception {
        FakePublisher publisher = new FakePublisher(List.of(
                () -> CompletableFuture.completedFuture(null),
                () -> CompletableFuture.failedFuture(new TimeoutException("Expiring 1 record(s) for images-0")),
                () -> CompletableFuture.completedFuture(null),
                () -> {
                    throw new IllegalStateException("emitter overflow");
                }));
        ImageResource resource = resource(publisher, new ImageVerifier(LIMITS));
        byte[] png = png(8, 8);

        Response response = await(resource.postMultipart(
                List.of(part("a.png", png), part("b.png", png), part("c.png", png), part("d.png", png)),
                null,
                null,
                null,
                null));

        List<String> ids = publisher.ids;
        assertThat(response.getStatus()).isEqualTo(503);
        Problem problem = (Problem) response.getEntity();
        assertThat(problem.reason()).isEqualTo("PUBLISH_FAILED");
        assertThat(problem.published()).containsExactly(ids.get(0), ids.get(2));
        assertThat(problem.failed()).containsExactly(ids.get(1), ids.get(3));
        assertThat(problem.detail()).contains("2 of 4", "Expiring 1 record(s)");
        JsonNode json = new ObjectMapper().valueToTree(problem);
        assertThat(json.get("published").get(0).asText()).isEqualTo(ids.get(0));
        assertThat(json.get("failed").get(1).asText()).isEqualTo(ids.get(3));
        assertThat(json.get("status").asInt()).isEqualTo(503);
    }

    @Test
    void aRequestTheBrokerAcknowledgedEntirelyIs202WithoutProblemFields() throws Exception {
        FakePublisher publisher = new FakePublisher(List.of(() -> CompletableFuture.completedFuture(null)));
        Response response =
                await(resource(publisher, new ImageVerifier(LIMITS)).postRaw(png(8, 8), null, null, null, null));
        assertThat(response.getStatus()).isEqualTo(202);
        assertThat(((ImageResource.Accepted) response.getEntity()).ids()).isEqualTo(publisher.ids);
    }

    @Test
    void anErrorWhileDecodingIsA400CorruptAndNothingIsPublished() throws Exception {
        FakePublisher publisher = new FakePublisher(List.of());
        ImageVerifier exhausted = new ImageVerifier(encoded -> {
            throw new OutOfMemoryError("Java heap space");
        });

        Response response = await(resource(publisher, exhausted).postRaw(png(8, 8), null, null, null, null));

        assertThat(response.getStatus()).isEqualTo(400);
        Problem problem = (Problem) response.getEntity();
        assertThat(problem.reason()).isEqualTo("CORRUPT");
        assertThat(problem.detail()).contains("OutOfMemoryError");
        assertThat(publisher.ids).isEmpty();
    }

    private ImageResource resource(ImagePublisher publisher, ImageVerifier verifier) {
        return new ImageResource(publisher, verifier, new LabellerAuth(Optional::empty), LIMITS, metrics);
    }

    private static Response await(CompletionStage<Response> answer) throws Exception {
        return answer.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Answers the n-th publish with the n-th behaviour, and remembers the ids in order. */
    private static final class FakePublisher extends ImagePublisher {
        final List<String> ids = new ArrayList<>();
        private final List<Supplier<CompletableFuture<Void>>> answers;

        FakePublisher(List<Supplier<CompletableFuture<Void>>> answers) {
            super(null, null, null);
            this.answers = answers;
        }

        @Override
        public CompletionStage<Void> publish(Envelope envelope, byte[] image) {
            ids.add(envelope.imageId());
            return answers.get(ids.size() - 1).get();
        }
    }

    private static final IngestConfig LIMITS = new IngestConfig() {
        @Override
        public long maxImageBytes() {
            return 20971520;
        }

        @Override
        public int maxImageSide() {
            return 12000;
        }

        @Override
        public long maxImagePixels() {
            return 40000000;
        }

        @Override
        public int maxFilesPerRequest() {
            return 64;
        }

        @Override
        public int maxLabelsPerRequest() {
            return 1000;
        }

        @Override
        public int maxImageIdBytes() {
            return 1024;
        }

        @Override
        public java.util.Optional<Long> maxBytesInFlight() {
            return java.util.Optional.empty();
        }
    };

    private FileUpload part(String fileName, byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve(fileName), bytes);
        return new FileUpload() {
            @Override
            public String name() {
                return "file";
            }

            @Override
            public Path filePath() {
                return file;
            }

            @Override
            public String fileName() {
                return fileName;
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public String contentType() {
                return "image/png";
            }

            @Override
            public String charSet() {
                return null;
            }

            @Override
            public MultivaluedMap<String, String> getHeaders() {
                return new MultivaluedHashMap<>();
            }
        };
    }
}

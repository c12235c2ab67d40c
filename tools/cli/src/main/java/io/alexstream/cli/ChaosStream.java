package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.contracts.Headers;
import io.alexstream.contracts.Topics;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The load {@code chaos} puts on the system while faults happen: valid images at a steady rate,
 * alternately through ingest ({@code POST /v1/images}; acknowledged = the 202, whose body
 * names the id) and straight into the {@code images} topic (an idempotent {@code acks=all}
 * producer; acknowledged = the send completed; key and {@code image-id} a UUID), the hostile
 * records spread over the first part of the run, and a trickle of valid labelled images into
 * {@code images.labeled} that the trainer must store. Everything goes into the ledger first.
 */
final class ChaosStream implements AutoCloseable {

    static final String LABELED_ROUTE = "labeled";

    private final ChaosTargets targets;
    private final ChaosLedger ledger;
    private final List<byte[]> pngs;
    private final PrintStream log;
    private final KafkaProducer<byte[], byte[]> producer;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Semaphore ingestInFlight = new Semaphore(16);
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicLong labeledAcknowledged = new AtomicLong();
    private final AtomicLong ingestBusy = new AtomicLong();
    private int next;

    ChaosStream(ChaosTargets targets, ChaosLedger ledger, List<byte[]> pngs, PrintStream log) {
        this.targets = targets;
        this.ledger = ledger;
        this.pngs = pngs;
        this.log = log;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, targets.bootstrap());
        // acks=all and idempotence: an acknowledged record is durable and written once, so any loss is the services'
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // one hostile class is a 15 MB value; the local broker takes 20 MB
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 20 << 20);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // longer than the longest broker pause (75 s): a record sent during the pause is delivered after it
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 180_000);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Streams for {@code duration} at {@code imagesPerSecond}, with every hostile class sent once, spread
     * over {@code hostileWithin}, and one labelled image every {@code labeledEvery}; returns when the time is up.
     */
    void run(Duration duration, double imagesPerSecond, Duration hostileWithin, Duration labeledEvery)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long interval = (long) (1e9 / imagesPerSecond);
        List<HostileRecords.Hostile> hostile = HostileRecords.round(pngs.get(0), 1);
        long hostileInterval = hostileWithin.toNanos() / (hostile.size() + 1);
        int hostileSent = 0;
        long nextLabeled = start + labeledEvery.toNanos();
        long sent = 0;
        long due = start;
        long nextProgress = start + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (due > now) {
                TimeUnit.NANOSECONDS.sleep(Math.min(due - now, end - now));
                continue;
            }
            // after a stall (a paused broker blocks the producer) the rate resumes; the missed slots are not made up in
            // a burst
            due = Math.max(due + interval, now - TimeUnit.SECONDS.toNanos(1));
            if (sent++ % 2 == 0) {
                throughIngest(nextImage());
            } else {
                throughKafka(nextImage());
            }
            if (hostileSent < hostile.size() && now >= start + (hostileSent + 1) * hostileInterval) {
                sendHostile(hostile.get(hostileSent++));
            }
            if (now >= nextLabeled) {
                sendLabeled(nextImage());
                nextLabeled += labeledEvery.toNanos();
            }
            if (now >= nextProgress) {
                ChaosLedger.Tally tally = ledger.tally();
                log.printf(
                        Locale.ROOT,
                        "  t+%3.0f s: sent %d, acknowledged %d, answered %d, dead-lettered %d, awaiting %d, "
                                + "ingest busy %d%n",
                        (now - start) / 1e9,
                        tally.sent(),
                        tally.acknowledged(),
                        tally.answered(),
                        tally.deadLettered(),
                        ledger.awaiting(),
                        ingestBusy.get());
                nextProgress += TimeUnit.SECONDS.toNanos(30);
            }
        }
        while (hostileSent < hostile.size()) {
            sendHostile(hostile.get(hostileSent++));
        }
    }

    /** Uploads not sent because ingest had 16 unanswered. */
    long ingestSkipped() {
        return ingestBusy.get();
    }

    /** Labelled images the broker acknowledged: the trainer owes each a place in its store. */
    long labeledAcknowledged() {
        return labeledAcknowledged.get();
    }

    private byte[] nextImage() {
        return pngs.get(next++ % pngs.size());
    }

    private void throughIngest(byte[] png) {
        if (!ingestInFlight.tryAcquire()) {
            // ingest holds 16 uploads unanswered (a broker outage): this one is not sent rather than stall the Kafka
            // half
            ingestBusy.incrementAndGet();
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(targets.ingest().resolve("/v1/images"))
                .header("Content-Type", "image/png")
                .header("X-Source", "alexstream-chaos")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(png))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            ingestInFlight.release();
            if (failure != null || response.statusCode() != 202) {
                ledger.refused("ingest");
                return;
            }
            try {
                JsonNode ids = json.readTree(response.body()).path("ids");
                for (JsonNode id : ids) {
                    ledger.sent(id.asText(), "ingest", List.of(), true);
                    ledger.acknowledged(id.asText());
                }
            } catch (Exception e) {
                ledger.refused("ingest");
            }
        });
    }

    private void throughKafka(byte[] png) {
        String id = UUID.randomUUID().toString();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.IMAGES, bytes(id), png);
        record.headers()
                .add(Headers.IMAGE_ID, bytes(id))
                .add(Headers.CONTENT_TYPE, bytes("image/png"))
                .add("source", bytes("alexstream-chaos"));
        ledger.sent(id, "kafka", List.of(), true);
        producer.send(record, (metadata, failure) -> {
            if (failure == null) {
                ledger.acknowledged(id);
            }
        });
    }

    private void sendLabeled(byte[] png) {
        String id = "chaos-labeled-" + UUID.randomUUID();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.LABELED, bytes(id), png);
        record.headers()
                .add(Headers.IMAGE_ID, bytes(id))
                .add(Headers.CONTENT_TYPE, bytes("image/png"))
                .add(Headers.LABEL, bytes(Integer.toString(next % 10)))
                .add("source", bytes("alexstream-chaos"));
        // stored is the correct outcome, and only the trainer's count shows it
        ledger.sent(id, LABELED_ROUTE, List.of(), false);
        producer.send(record, (metadata, failure) -> {
            if (failure == null) {
                ledger.acknowledged(id);
                labeledAcknowledged.incrementAndGet();
            }
        });
    }

    private void sendHostile(HostileRecords.Hostile hostile) {
        ledger.sent(
                hostile.id(),
                "hostile:" + hostile.kind(),
                hostile.answerKeys(),
                hostile.expect() != HostileRecords.Expect.STORE_OR_DEAD_LETTER);
        producer.send(hostile.record(), (metadata, failure) -> {
            if (failure == null) {
                ledger.acknowledged(hostile.id());
            } else {
                log.printf("  hostile record %s was not acknowledged: %s%n", hostile.kind(), failure.getMessage());
            }
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits for the producer's outstanding acknowledgements (and ingest's answers) before closing. */
    @Override
    public void close() throws InterruptedException {
        producer.close(Duration.ofSeconds(180));
        if (!ingestInFlight.tryAcquire(16, 90, TimeUnit.SECONDS)) {
            log.println("  some uploads to ingest got no answer within 90 s");
        }
    }
}

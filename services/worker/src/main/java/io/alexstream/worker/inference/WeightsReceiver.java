package io.alexstream.worker.inference;

import com.google.protobuf.ByteString;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.proto.v1.WeightsChunk;
import io.alexstream.proto.v1.WeightsHeader;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.inference.WeightsRefusedException.Reason;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The one way weights arrive, pushed by the trainer or pulled from it: a header chunk, then data
 * chunks, staged in memory (never beyond {@code max-push-bytes}) and decoded and checked
 * (checksum, format, finite values) while they arrive, then validated and swapped in by
 * {@link ServingModel#activate}. A refusal, of any kind, leaves the served weights untouched.
 */
@ApplicationScoped
public class WeightsReceiver {

    private static final Logger LOG = Logger.getLogger(WeightsReceiver.class);

    /** A stream that stops for this long is abandoned by its decoder. */
    public static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    /** How weights came: a push may go back only when its header says rollback, a pull always may. */
    public enum Origin {
        PUSHED,
        PULLED
    }

    private final ServingModel servingModel;
    private final WorkerConfig config;
    /** Decoders wait on their pipe for the next chunk: threads of their own, not a shared pool's. */
    private final ExecutorService decoders = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "weights-decoder");
        thread.setDaemon(true);
        return thread;
    });

    public WeightsReceiver(ServingModel serving, WorkerConfig config) {
        this.servingModel = serving;
        this.config = config;
    }

    /** A new reception; the caller hands it every chunk in order, then {@link Reception#finish()}. */
    public Reception open(Origin origin) {
        return new Reception(origin);
    }

    /** Receives a whole stream, as a pull delivers it; returns the version served afterwards. */
    public long receive(Iterator<WeightsChunk> chunks, Origin origin)
            throws WeightsRefusedException, WeightsFormatException {
        Reception reception = open(origin);
        try {
            while (chunks.hasNext()) {
                reception.accept(chunks.next());
            }
        } catch (WeightsRefusedException | RuntimeException e) {
            reception.abandon();
            throw e;
        }
        return reception.finish();
    }

    @PreDestroy
    void close() {
        decoders.shutdownNow();
    }

    /** What has arrived of one artifact, and its decoding, which starts with the header and follows the chunks. */
    public final class Reception {

        private final Origin origin;
        private final ChunkPipe pipe = new ChunkPipe(STALL_TIMEOUT);
        private final long started = System.nanoTime();
        private WeightsHeader header;
        // joined without copying: a 245 MB artifact is held once, as the transport delivered it (kept as the last good)
        private ByteString artifact = ByteString.EMPTY;
        private CompletableFuture<ModelWeights> decoded;
        private long bytes;
        private long lastChunk;

        private Reception(Origin origin) {
            this.origin = origin;
        }

        /** Takes the next chunk in order: the header first, then data. */
        public void accept(WeightsChunk chunk) throws WeightsRefusedException {
            long limit = config.maxPushBytes();
            if (chunk.hasHeader()) {
                if (header != null) {
                    throw new WeightsRefusedException(Reason.MALFORMED_STREAM, "a second header chunk");
                }
                if (chunk.getHeader().getTotalBytes() > limit) {
                    throw new WeightsRefusedException(
                            Reason.TOO_LARGE,
                            "the artifact declares " + chunk.getHeader().getTotalBytes()
                                    + " bytes; this worker accepts at most " + limit);
                }
                header = chunk.getHeader();
                decoded = CompletableFuture.supplyAsync(() -> decode(limit), decoders);
                return;
            }
            if (header == null) {
                throw new WeightsRefusedException(Reason.MALFORMED_STREAM, "the first chunk must be the header");
            }
            bytes += chunk.getData().size();
            if (bytes > limit) {
                throw new WeightsRefusedException(
                        Reason.TOO_LARGE, "the weights stream passed " + limit + " bytes and was cut off");
            }
            artifact = artifact.concat(chunk.getData());
            pipe.offer(chunk.getData());
        }

        /** The last chunk arrived: the decoder sees the end of the stream. */
        public void end() {
            if (lastChunk == 0) {
                lastChunk = System.nanoTime();
            }
            pipe.end();
        }

        /** The stream failed or was refused: the decoder stops waiting for chunks. */
        public void abandon() {
            pipe.end();
        }

        /** Checks what arrived against the header, then validates and swaps it in; returns the version served. */
        public long finish() throws WeightsRefusedException, WeightsFormatException {
            end();
            if (header == null) {
                throw new WeightsRefusedException(Reason.MALFORMED_STREAM, "an empty push: no header");
            }
            if (header.getTotalBytes() != bytes) {
                throw new WeightsRefusedException(
                        Reason.TRUNCATED,
                        "the header announced " + header.getTotalBytes() + " bytes, " + bytes + " arrived");
            }
            ModelWeights weights = joinDecoded();
            long decodedAt = System.nanoTime();
            if (weights.metadata().version() != header.getVersion()) {
                throw new WeightsRefusedException(
                        Reason.MALFORMED_STREAM,
                        "the header says version " + header.getVersion() + " but the artifact holds version "
                                + weights.metadata().version());
            }
            boolean mayGoBack = origin == Origin.PULLED || header.getRollback();
            long serving = servingModel.activate(weights, mayGoBack, artifact);
            long done = System.nanoTime();
            // where the time goes: the transfer (checksum and decoding run alongside it), what decoding had left after
            // the last chunk, then validation and the swap
            LOG.infof(
                    "worker %s now serves version %d (%s%s): %.1f MB received in %.2f s, decoded %.2f s after the "
                            + "last chunk, validated and swapped in %.2f s",
                    config.id(),
                    serving,
                    origin.name().toLowerCase(),
                    header.getRollback() ? ", rollback" : "",
                    bytes / 1e6,
                    (lastChunk - started) / 1e9,
                    (decodedAt - lastChunk) / 1e9,
                    (done - decodedAt) / 1e9);
            return serving;
        }

        private ModelWeights joinDecoded() throws WeightsFormatException {
            try {
                return decoded.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof WeightsFormatException format) {
                    throw format;
                }
                throw e;
            }
        }

        private ModelWeights decode(long limit) {
            try {
                return WeightsCodec.read(pipe, limit);
            } catch (WeightsFormatException e) {
                throw new CompletionException(e);
            }
        }
    }
}

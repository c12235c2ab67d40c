package io.alexstream.worker.config;

import io.alexstream.contracts.ImageLimits;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Optional;

/** Everything a worker needs to know about its model, its device and its batching. */
@ConfigMapping(prefix = "alexstream.worker")
public interface WorkerConfig {

    /** This worker's name in predictions and metrics. */
    @WithDefault("worker-1")
    String id();

    /** Model profile: paper or small. */
    @WithDefault("small")
    String profile();

    /** Weights artifact to load at start-up; without one the worker stays unready and does not consume. */
    Optional<String> weightsFile();

    /** The one GPU this worker uses (CUDA index; needs a -Pgpu build); CPU when absent. */
    Optional<Integer> gpu();

    /**
     * Threads inside one TensorFlow op. When absent: twice the cores on a CPU (so the plumbing's threads that preempt
     * one of them do not stall the op), TensorFlow's choice on a GPU.
     */
    Optional<Integer> intraOpThreads();

    /**
     * The numbers inference computes with: {@code fp32}, {@code bf16} (convolutions and fc layers in bfloat16, LRN and
     * softmax in fp32), or {@code auto}: bf16 where the CPU computes it natively and a start-up probe measures it
     * faster, fp32 elsewhere and on a GPU. Training is fp32 whatever this says.
     */
    @WithDefault("auto")
    String precision();

    /**
     * Most images per session run. When absent: 16 on a GPU, 8 on a CPU, where batches of 8 ran as fast as 16 alone
     * and faster beside the plumbing's threads (see {@code ServingModel#maxBatch}).
     */
    Optional<Integer> maxBatch();

    /**
     * Whether the batcher learns the fastest run size up to {@link #maxBatch()} from its own full runs (a power of
     * two, see {@code BatchLimit}); false runs every full batch at the maximum.
     */
    @WithDefault("true")
    boolean batchTuning();

    /** How long the batcher waits for more images once it has one, in milliseconds. */
    @WithDefault("5")
    long maxWaitMillis();

    /** Images waiting for the batcher before new ones are refused. */
    @WithDefault("256")
    int queueCapacity();

    /**
     * Images from Kafka submitted to the batcher and not yet answered, in batches of the largest run
     * ({@link #maxBatch()}); each image's place is freed when it is answered. With 2, the next polls' images fill the
     * queue while a run goes on, so a full batch waits when it ends; with 1 they are submitted only as the run's images
     * are answered, and the next run takes what arrived by then.
     */
    @WithDefault("2")
    int kafkaBatchesInFlight();

    /** Classes returned per image. */
    @WithDefault("5")
    int topK();

    /** Where the last weights that passed validation are kept, reloaded after a restart. */
    @WithDefault("data/worker")
    String stateDir();

    /** The trainer's gRPC address (host:port): register at start-up and pull its current version. */
    Optional<String> trainerAddress();

    /** The CA certificate (PEM) of the trainer's TLS port: set, the worker talks to the trainer over TLS. */
    Optional<String> trainerTlsTrustCertificate();

    /** This worker's client certificate (PEM) for mutual TLS with the trainer; needs {@link #trainerTlsKey()}. */
    Optional<String> trainerTlsCertificate();

    /** The private key (PKCS#8 PEM) of {@link #trainerTlsCertificate()}. */
    Optional<String> trainerTlsKey();

    /** host:port at which the trainer reaches this worker's ModelReceiver; localhost and the HTTP port when absent. */
    Optional<String> advertisedAddress();

    /** How long start-up waits for the trainer before serving what this worker already has. */
    @WithDefault("30")
    int trainerSyncSeconds();

    /** How often a worker registers again, so a restarted trainer knows it (seconds). */
    @WithDefault("30")
    int trainerHeartbeatSeconds();

    /** Largest weights artifact accepted over gRPC; a longer push is cut off (RESOURCE_EXHAUSTED). */
    @WithDefault("536870912")
    long maxPushBytes();

    /** Largest encoded image, in bytes. */
    @WithDefault(ImageLimits.DEFAULT_MAX_BYTES_TEXT)
    long maxImageBytes();

    /** Largest width or height, from the header. */
    @WithDefault(ImageLimits.DEFAULT_MAX_SIDE_TEXT)
    int maxImageSide();

    /** Largest width x height, from the header. */
    @WithDefault(ImageLimits.DEFAULT_MAX_PIXELS_TEXT)
    long maxImagePixels();

    /**
     * Largest value a dead letter carries: a longer original is cut to this many bytes and its size and SHA-256 go in
     * headers, so the dead letter always fits the broker's record limit.
     */
    @WithDefault("1048576")
    int deadLetterMaxBytes();

    /**
     * Writes each poll's predictions, dead letters and consumed offsets in one Kafka transaction (consumers of the
     * output topics read {@code read_committed}): a worker killed mid-batch yields no duplicate. Off by default:
     * at-least-once with idempotent producers.
     */
    @WithDefault("false")
    boolean exactlyOnce();

    /** Whether uncertain predictions from Kafka are also copied, with their image, to the review topic. */
    @WithName("review.enabled")
    @WithDefault("true")
    boolean reviewEnabled();

    /** A prediction whose top-1 probability is below this goes to review ({@code low_top1}). */
    @WithName("review.max-top1-probability")
    @WithDefault("0.5")
    double reviewMaxTop1Probability();

    /**
     * A ten-crop prediction whose crop disagreement (share of crops whose own best class is not the answer) is at
     * least this goes to review ({@code crop_disagreement}).
     */
    @WithName("review.min-crop-disagreement")
    @WithDefault("0.5")
    double reviewMinCropDisagreement();

    /** Most review copies per second from this worker (a token bucket); the rest are skipped and counted. */
    @WithName("review.max-per-second")
    @WithDefault("5")
    double reviewMaxPerSecond();

    /**
     * Shadow mode: consume every image in consumer group {@link #shadowGroup()}, publish the answers to
     * {@code alexstream.topics.predictions-shadow} instead of the predictions topic ({@link ShadowChannels}), copy
     * nothing to review, register with the trainer as a shadow worker (it serves the canary version while one runs)
     * and refuse every gRPC Classify call: its answers are only compared, never returned to callers.
     */
    @WithDefault("false")
    boolean shadow();

    /** The consumer group of the shadow workers: apart from the serving workers', so those still answer each image. */
    @WithDefault(ShadowChannels.DEFAULT_GROUP)
    String shadowGroup();

    /** The Open Inference Protocol (KServe v2) on the gRPC and HTTP ports. */
    Oip oip();

    /** {@code alexstream.worker.oip.*}. */
    interface Oip {
        /** The model's name in the protocol's calls and paths. */
        @WithDefault("alexnet")
        String modelName();

        /** Most images in one ModelInfer request; more is INVALID_ARGUMENT. */
        @WithDefault("64")
        int maxImages();
    }
}

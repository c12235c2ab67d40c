package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What the trainer keeps, when it trains, how it judges a candidate and whom it pushes to. */
@ConfigMapping(prefix = "alexstream.trainer")
public interface TrainerConfig {

    /** Model profile: small or paper (the workers must serve the same). */
    @WithDefault("small")
    String profile();

    /** Examples, versions and state live here. */
    @WithDefault("data/trainer")
    String dataDir();

    /** Most bytes of encoded examples kept on disk; the oldest segments go first. */
    @WithDefault("2147483648")
    long maxStoreBytes();

    /**
     * Most bytes of decoded images kept between rounds (each is scale-size squared times 3): the newest examples'.
     * Older examples are decoded again from their stored bytes by every round that trains on them.
     */
    @WithDefault("1073741824")
    long maxDecodedCacheBytes();

    /**
     * Longest image id (UTF-8 bytes, from the image-id header or the key) a labeled record may have; a longer one is
     * dead-lettered (BAD_ID) and named there by the SHA-256 of its id.
     */
    @WithDefault("1024")
    int maxImageIdBytes();

    /**
     * Most bytes of a refused record's value copied into its dead letter; past it the copy is cut and headers give the
     * original's size and SHA-256, so a dead letter always fits the producer's request limit.
     */
    @WithDefault("1048576")
    int deadLetterMaxValueBytes();

    /** Percent of images (chosen by a hash of the image id) kept out of training to judge candidates. */
    @WithDefault("10")
    int holdoutPercent();

    /** New training examples that start a round. */
    @WithDefault("5000")
    int minNewExamples();

    /** A round also starts this often when new examples arrived (absent: only by count or API). */
    Optional<Duration> roundInterval();

    /** Passes over the stored training examples per round. */
    @WithDefault("2")
    int epochsPerRound();

    /**
     * Train the last two fifths of a round that refines a serving version (at least one epoch) at a tenth of the rate.
     */
    @WithDefault("true")
    boolean annealLastEpoch();

    /**
     * Stop reading the labeled topic while a round trains and evaluates (the records wait in Kafka, nothing is lost):
     * on a machine without spare cores, decoding and storing arrivals slowed training steps by up to half.
     */
    @WithDefault("true")
    boolean pauseIntakeDuringRounds();

    /** Images per SGD step (the paper: 128). */
    @WithDefault("128")
    int batchSize();

    /**
     * Initial learning rate (default: the engine's rate for the profile); divided by 10 after a rejected round, 3 times
     * at most.
     */
    Optional<Float> learningRate();

    /** The first version must beat chance (1/classes) by this much top-1 on the holdout. */
    @WithDefault("0.2")
    double firstModelMargin();

    /** Workers pushed to besides those that register (host:port of their gRPC). */
    Optional<List<String>> workers();

    /**
     * Bytes per pushed chunk. The workers' gRPC server pays per message: 1 MiB chunks push a 245 MB artifact in
     * 1.1 s where 64 KB ones take 2.4 s. The workers accept messages of up to 8 MiB.
     */
    @WithDefault("1048576")
    int pushChunkBytes();

    /**
     * The CA certificate (PEM) that signed the workers' gRPC server certificates: set, pushes go over TLS
     * (the workers' {@code quarkus.grpc.server.ssl.*}); absent, over plaintext.
     */
    Optional<String> pushTlsTrustCertificate();

    /**
     * The trainer's client certificate (PEM) for mutual TLS: a worker that maps its CN to the trainer role
     * ({@code alexstream.auth.trainer-certificate-name}) accepts pushes without a token. Needs {@link #pushTlsKey()}.
     */
    Optional<String> pushTlsCertificate();

    /** The private key (PKCS#8 PEM) of {@link #pushTlsCertificate()}. */
    Optional<String> pushTlsKey();

    /** How long one worker may take to receive, validate and swap a version. */
    @WithDefault("PT2M")
    Duration pushTimeout();

    /** Shuffling, crops, flips, colour shifts and the first model's initial weights. */
    @WithDefault("1")
    long seed();
}

package io.alexstream.ingest.config;

import io.alexstream.contracts.ImageLimits;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits ingest enforces before anything reaches Kafka. */
@ConfigMapping(prefix = "alexstream.ingest")
public interface IngestConfig {

    /** Largest encoded image accepted, in bytes (20 MiB). */
    @WithDefault(ImageLimits.DEFAULT_MAX_BYTES_TEXT)
    long maxImageBytes();

    /** Largest width or height, read from the image header. */
    @WithDefault(ImageLimits.DEFAULT_MAX_SIDE_TEXT)
    int maxImageSide();

    /** Largest width x height, read from the image header (decompression bombs stop here). */
    @WithDefault(ImageLimits.DEFAULT_MAX_PIXELS_TEXT)
    long maxImagePixels();

    /** Most files in one multipart request. */
    @WithDefault("64")
    int maxFilesPerRequest();

    /** Most labels in one {@code POST /v1/labels} request; more: 413 TOO_MANY_LABELS. */
    @WithDefault("1000")
    int maxLabelsPerRequest();

    /**
     * Longest image id a late label may name, in UTF-8 bytes; the trainer's {@code max-image-id-bytes} has the same
     * default, and a worker names an image whose id is over 512 characters {@code sha256:<hex>} in its prediction.
     */
    @WithDefault("1024")
    int maxImageIdBytes();

    /**
     * Upload bytes held at once (bodies being read, checked and published); past it uploads get 503 BUSY with
     * Retry-After. Default: a quarter of the heap.
     */
    java.util.Optional<Long> maxBytesInFlight();
}

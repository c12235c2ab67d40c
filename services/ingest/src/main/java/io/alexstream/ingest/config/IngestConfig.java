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

    /**
     * Upload bytes held at once (bodies being read, checked and published); past it uploads get 503 BUSY with
     * Retry-After. Default: a quarter of the heap.
     */
    java.util.Optional<Long> maxBytesInFlight();
}

package io.alexstream.ingest.rest;

import io.alexstream.contracts.ImageLimits;
import io.alexstream.engine.image.ImageDecoder;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.image.ImageRejectedException.Reason;
import io.alexstream.ingest.config.IngestConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Checks one upload and names its content type: the engine decoder's verdict (size, format,
 * dimensions from the header, a full decode), and any other failure while decoding, an Error such
 * as OutOfMemoryError included, as CORRUPT. A hostile file costs its sender a 400, never a 500.
 */
@ApplicationScoped
public class ImageVerifier {

    private static final Logger LOG = Logger.getLogger(ImageVerifier.class);
    private static final Map<String, String> CONTENT_TYPES =
            Map.of("jpeg", "image/jpeg", "png", "image/png", "gif", "image/gif", "bmp", "image/bmp");

    /** The decoder's check; a seam so tests can fail it in ways no real file does on every JDK. */
    @FunctionalInterface
    interface Check {
        ImageDecoder.Header verify(byte[] encoded) throws ImageRejectedException;
    }

    private final Check check;

    @Inject
    public ImageVerifier(IngestConfig config) {
        this(
                new ImageDecoder(
                                new ImageLimits(config.maxImageBytes(), config.maxImageSide(), config.maxImagePixels()))
                        ::verify);
    }

    ImageVerifier(Check check) {
        this.check = check;
    }

    /** The content type of an image ingest accepts, or why it refuses it. */
    public String contentType(byte[] encoded) throws ImageRejectedException {
        ImageDecoder.Header header;
        try {
            header = check.verify(encoded);
        } catch (ImageRejectedException e) {
            throw e;
        } catch (Throwable e) {
            // ImageIO readers trust header fields: a few bytes can ask for a 2 GiB buffer and end in OutOfMemoryError
            LOG.warnf("decoding a %d-byte upload failed outside the decoder's own checks: %s", encoded.length, e);
            throw new ImageRejectedException(Reason.CORRUPT, "cannot decode the image: " + e, e);
        }
        return CONTENT_TYPES.get(header.format());
    }
}

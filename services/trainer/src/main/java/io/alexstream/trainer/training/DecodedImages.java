package io.alexstream.trainer.training;

import io.alexstream.engine.image.ScaledImage;
import io.alexstream.trainer.store.StoredExample;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Decoded images by stored example, oldest put first, at most {@code maxBytes} of pixels:
 * putting past the bound drops the oldest. Keyed by the stored example itself, whose bytes
 * array compares by identity, so two examples at the same partition and offset (a recreated
 * topic) never share an image.
 */
final class DecodedImages {

    private final long maxBytes;
    private final LinkedHashMap<StoredExample, ScaledImage> images = new LinkedHashMap<>();
    private long bytes;

    DecodedImages(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    synchronized ScaledImage get(StoredExample example) {
        return images.get(example);
    }

    synchronized void put(StoredExample example, ScaledImage image) {
        if (image == null || image.rgb().length > maxBytes) {
            return;
        }
        ScaledImage previous = images.put(example, image);
        bytes += image.rgb().length - (previous == null ? 0 : previous.rgb().length);
        Iterator<ScaledImage> oldest = images.values().iterator();
        while (bytes > maxBytes) {
            bytes -= oldest.next().rgb().length;
            oldest.remove();
        }
    }

    /** Lets go of examples the store deleted. */
    synchronized void removeAll(Collection<StoredExample> examples) {
        for (StoredExample example : examples) {
            ScaledImage removed = images.remove(example);
            if (removed != null) {
                bytes -= removed.rgb().length;
            }
        }
    }

    synchronized long bytes() {
        return bytes;
    }
}

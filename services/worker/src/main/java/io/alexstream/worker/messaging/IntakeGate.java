package io.alexstream.worker.messaging;

import io.alexstream.worker.inference.ModelReady;
import io.smallrye.reactive.messaging.ChannelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Opens the images channel ({@link Channels#IMAGES_IN}, configured paused) when the model is
 * ready, and not before: no image from Kafka is ever answered by random weights.
 */
@ApplicationScoped
public class IntakeGate {

    private static final Logger LOG = Logger.getLogger(IntakeGate.class);

    private final ChannelRegistry channels;

    public IntakeGate(ChannelRegistry channels) {
        this.channels = channels;
    }

    void open(@Observes ModelReady ready) {
        channels.getPausable(Channels.IMAGES_IN).resume();
        LOG.infof("worker %s serves version %d and consumes images", ready.workerId(), ready.version());
    }
}

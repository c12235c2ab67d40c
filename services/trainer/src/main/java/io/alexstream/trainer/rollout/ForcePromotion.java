package io.alexstream.trainer.rollout;

import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.weights.ModelWeights;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsFormatException;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.trainer.config.TrainerConfig;
import io.alexstream.trainer.store.VersionStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * A release manager's force-promote: an artifact trained elsewhere becomes the next version without the promotion
 * gate. It must be a whole, undamaged artifact for this trainer's profile; it gets the next version number, the
 * current version as its parent and the reason in its hyperparameters ({@code forced}, {@code forced_reason}), and is
 * rolled out like a round's version, through the canary when one is configured, so the live figures can still roll it
 * back.
 */
@ApplicationScoped
public class ForcePromotion {

    private static final Logger LOG = Logger.getLogger(ForcePromotion.class);

    private final TrainerConfig config;
    private final VersionStore versions;
    private final RolloutService rollout;

    public ForcePromotion(TrainerConfig config, VersionStore versions, RolloutService rollout) {
        this.config = config;
        this.versions = versions;
        this.rollout = rollout;
    }

    /**
     * Stores {@code artifact} as the next version and rolls it out.
     *
     * @return the new version
     * @throws IllegalArgumentException with why, for a missing reason or an artifact that is not a model of this
     *     trainer's profile
     */
    public long promote(byte[] artifact, String reason) throws IOException {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a force-promote needs a reason: it is recorded in the version");
        }
        ModelWeights weights;
        try {
            weights = WeightsCodec.read(artifact);
            weights.requireCompatible(Profiles.byName(config.profile()));
        } catch (WeightsFormatException e) {
            throw new IllegalArgumentException("not a model for profile " + config.profile() + ": " + e.getMessage());
        }
        long version;
        synchronized (versions) {
            long parent = versions.current();
            version = versions.latest() + 1;
            Map<String, String> hyperparameters =
                    new LinkedHashMap<>(weights.metadata().hyperparameters());
            hyperparameters.put("forced", "true");
            hyperparameters.put("forced_reason", reason.strip());
            hyperparameters.put(
                    "imported_version", Long.toString(weights.metadata().version()));
            WeightsMetadata metadata = new WeightsMetadata(
                    version,
                    parent == 0 ? null : parent,
                    Instant.now().toString(),
                    weights.metadata().metrics(),
                    hyperparameters,
                    weights.metadata().lineage());
            versions.promote(new ModelWeights(weights.config(), metadata, weights.mean(), weights.variables()));
        }
        LOG.warnf("version %d force-promoted past the promotion gate: %s", version, reason.strip());
        rollout.rollOut(version, false);
        return version;
    }
}

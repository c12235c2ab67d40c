package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the trainer keeps every live worker on its current version. */
@ConfigMapping(prefix = "alexstream.rollout")
public interface RolloutConfig {

    /**
     * A registered worker not heard from for this long is forgotten (workers register again every 30 s by
     * default); workers listed in {@code alexstream.trainer.workers} never expire.
     */
    @WithDefault("PT90S")
    Duration registrationTtl();

    /**
     * How often workers that differ from the desired version (unreachable, restarted, missed a rollout) are synced
     * again.
     */
    @WithDefault("PT10S")
    Duration retryInterval();
}

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

    /** A new version's first stage: the canary workers serve it while the others keep the version before it. */
    Canary canary();

    /** What the shadow workers' agreement with the serving version may say about a canary. */
    Shadow shadow();

    /** The canary stage of a rollout. */
    interface Canary {

        /**
         * Roll a promoted version out to the canary workers first. Off by default: a canary is promoted to every
         * worker on live labels ({@code labels} topic), so a deployment without a label stream would keep it forever.
         */
        @WithDefault("false")
        boolean enabled();

        /**
         * Share of the live workers that form the canary, rounded up; 0 means one worker. Always at least one worker
         * and, with two or more, never all of them.
         */
        @WithDefault("0")
        double fraction();

        /**
         * Labelled answers the canary version needs before it goes to every worker, provided the rollback test
         * ({@code alexstream.rollback.auto.*}) does not find it worse than the version the other workers serve.
         */
        @WithDefault("200")
        long minLabelled();
    }

    /**
     * A canary whose shadow answers agree too rarely with the serving version's is rolled back without waiting for
     * labels; promotion stays on labels, since agreeing with the stable version says nothing about being better.
     */
    interface Shadow {

        /** Shadow answers of the canary version compared with serving ones before their agreement can roll it back. */
        @WithDefault("200")
        long minCompared();

        /**
         * The canary is rolled back when the share of its compared shadow answers whose top-1 agreed is below this. A
         * better version disagrees with a weaker one often (the regression scenario: 0.65 between versions of 58% and
         * 78% live top-1), so only a version that is a different model altogether falls below one half.
         */
        @WithDefault("0.5")
        double minAgreement();
    }
}

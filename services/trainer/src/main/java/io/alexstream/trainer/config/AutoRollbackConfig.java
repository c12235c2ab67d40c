package io.alexstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** When the trainer rolls the serving version back by itself, judged on its live figures (topic evaluations). */
@ConfigMapping(prefix = "alexstream.rollback.auto")
public interface AutoRollbackConfig {

    /** Roll back on the live figures at all; off, only an operator rolls back. */
    @WithDefault("true")
    boolean enabled();

    /** Labelled answers each of the two versions needs before their top-1 is compared: fewer say too little. */
    @WithDefault("50")
    int minLabelled();

    /** Confidence of the one-sided two-proportion z-test that the serving version's top-1 is lower. */
    @WithDefault("0.95")
    double confidence();

    /** Smallest drop of live top-1 (serving below the version before it) worth a rollback, however significant. */
    @WithDefault("0.05")
    double minDrop();
}

package io.alexstream.trainer.training;

/** What the round machinery is doing; the registry reports the rollout's state while it is {@link #IDLE}. */
public enum Activity {
    IDLE,
    TRAINING,
    ROLLING_OUT
}

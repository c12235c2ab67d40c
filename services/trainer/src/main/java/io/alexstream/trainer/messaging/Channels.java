package io.alexstream.trainer.messaging;

/** Channel names shared by the consumer, the configuration and the tests. */
public final class Channels {

    /** Incoming: the labeled images topic, in batches. */
    public static final String LABELED_IN = "labeled-in";
    /** Outgoing: the labeled dead-letter topic (the refused record, bounded, plus why). */
    public static final String LABELED_DEAD_LETTERS_OUT = "labeled-dead-letters-out";
    /** Incoming: the live figures per model version (topic {@code evaluations}), read again from the start on boot. */
    public static final String EVALUATIONS_IN = "evaluations-in";

    private Channels() {}
}

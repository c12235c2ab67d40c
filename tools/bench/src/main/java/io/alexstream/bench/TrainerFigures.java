package io.alexstream.bench;

/**
 * What the trainer part found: the push right after both JVMs started and the operator's rollback push between
 * warm ones, the round's rates (whole and steady) and steps, and the bare engine's training beside the round.
 */
record TrainerFigures(
        double pushSeconds,
        double warmPushSeconds,
        double imagesPerSecond,
        double steadyImagesPerSecond,
        int steps,
        Reference reference) {

    /** No trainer part ran (--trainer-images 0). */
    static final TrainerFigures NONE =
            new TrainerFigures(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, Reference.NONE);
}

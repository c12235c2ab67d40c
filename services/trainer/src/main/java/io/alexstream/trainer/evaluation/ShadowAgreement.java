package io.alexstream.trainer.evaluation;

/**
 * A shadow version's agreement with the serving workers so far: its answers compared with a serving answer for the
 * same image, and those whose top-1 class was the same.
 */
public record ShadowAgreement(long version, long compared, long agreed) {

    /** The share of compared answers that agreed; NaN before any was compared. */
    public double agreement() {
        return compared == 0 ? Double.NaN : (double) agreed / compared;
    }
}

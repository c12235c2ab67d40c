package io.alexstream.trainer.store;

/**
 * Why a version was rolled back by the trainer itself, kept beside the version's artifact
 * ({@code v000002.rollback.json}) as part of its lineage; artifacts are never rewritten, and a data directory
 * without such files reads as before.
 *
 * @param version          the version rolled back from
 * @param rolledBackTo     the version served instead
 * @param at               when (ISO-8601)
 * @param why              the decision in words
 * @param servingLabelled  labelled answers of {@code version}
 * @param servingTop1      its live top-1
 * @param previousLabelled labelled answers of {@code rolledBackTo}
 * @param previousTop1     its live top-1
 * @param z                the two-proportion z statistic (positive: {@code version} is worse); NaN when the shadow
 *                         agreement decided
 * @param pValue           its one-sided p-value; NaN when the shadow agreement decided
 * @param confidence       the confidence the test was held to
 * @param minDrop          the smallest drop that counted
 * @param shadowCompared   answers of {@code version} from shadow workers compared with serving ones (0: none)
 * @param shadowAgreement  the share of them whose top-1 agreed (0 when none were compared)
 */
public record RollbackRecord(
        long version,
        long rolledBackTo,
        String at,
        String why,
        long servingLabelled,
        double servingTop1,
        long previousLabelled,
        double previousTop1,
        double z,
        double pValue,
        double confidence,
        double minDrop,
        long shadowCompared,
        double shadowAgreement) {}

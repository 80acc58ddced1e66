package dev.tokenmeter.compare;

/**
 * What a comparison concludes about one metric of one point, or (serving results) about a point's SLO and load
 * verdicts.
 */
public enum Verdict {
    /**
     * Significantly better in the candidate; for a serving point, its verdict got better (it now meets its SLOs,
     * or is no longer OVERLOADED).
     */
    IMPROVEMENT("improvement"),
    /**
     * Significantly worse in the candidate; for a serving point, its verdict got worse (it met its SLOs and now
     * misses them, or it became OVERLOADED).
     */
    REGRESSION("REGRESSION"),
    /** No difference the tests can tell from noise at the chosen significance level. */
    NO_SIGNIFICANT_CHANGE("no significant change"),
    /** Fewer than two trials on one side: no variance, so no test. */
    TOO_FEW_TRIALS("too few trials"),
    /**
     * A serving point's metric: each side is one run, whose requests wait on one another in the queue, and only
     * the run's summaries are kept, so there is no sample of runs to test. The relative difference is reported,
     * never called significant.
     */
    NOT_TESTED("not tested (one run per point)"),
    /** A serving point's SLO and load verdicts did not get worse or better (they may have moved in other ways). */
    UNCHANGED("unchanged");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    /** How reports print it; a regression in capitals so that it is not missed. */
    public String label() {
        return label;
    }
}

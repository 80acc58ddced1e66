package dev.tokenmeter.compare;

/** What a comparison concludes about one metric of one point. */
public enum Verdict {
    /** Significantly better in the candidate. */
    IMPROVEMENT("improvement"),
    /** Significantly worse in the candidate. */
    REGRESSION("REGRESSION"),
    /** No difference the tests can tell from noise at the chosen significance level. */
    NO_SIGNIFICANT_CHANGE("no significant change"),
    /** Fewer than two trials on one side: no variance, so no test. */
    TOO_FEW_TRIALS("too few trials");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    /** How reports print it; a regression in capitals so that it is not missed. */
    public String label() {
        return label;
    }
}

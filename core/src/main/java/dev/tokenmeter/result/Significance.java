package dev.tokenmeter.result;

/** How {@code compare} decides whether a metric's change is real: the rule each scenario chooses for its points. */
public enum Significance {
    /**
     * Each sample is an independent trial (an offline trial, a repeated serving run): a change is significant when
     * Welch's t-test and the Mann–Whitney U test both find it, the larger p-value Holm-adjusted over every distinct
     * measurement compared.
     */
    TRIALS,
    /**
     * Each point is a single run, whose requests are correlated through the queue: no sample of runs, so the
     * change is reported and never called significant.
     */
    NOT_TESTED
}

package dev.tokenmeter.result;

/**
 * A point's pass or fail, where its scenario has one (a serving point: its SLOs met at their percentiles, its load
 * sustained). One run either met its limits or did not, so a comparison can set two judgements side by side as
 * facts, with no test.
 *
 * @param slos       the SLOs the point was held to, as written ("ttft:p99=2000ms"); null when none
 * @param meetsSlos  every SLO met at its percentile (false without SLOs)
 * @param overloaded the offered load was not sustained: the queue kept growing
 * @param sloCell    "met", "missed" or "-"
 * @param loadCell   "steady", "OVERLOADED", "too short to judge", "not judged" or "-"
 * @param state      both in a phrase, with what was missed: "missed tpot:p99 102.9 ms > 100 ms, OVERLOADED"
 */
public record Judgement(String slos, boolean meetsSlos, boolean overloaded, String sloCell, String loadCell,
        String state) {
    /** Every SLO met and the load sustained. */
    public boolean passes() {
        return slos != null && meetsSlos && !overloaded;
    }
}

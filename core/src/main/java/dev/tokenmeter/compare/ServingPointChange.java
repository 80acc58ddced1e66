package dev.tokenmeter.compare;

import dev.tokenmeter.result.ServingPointResult;
import java.util.List;
import java.util.Objects;

/**
 * One serving point both results have: the two points as recorded, the metrics' differences, and how the point's
 * verdicts moved. The verdicts are the one thing of a single run that can be compared without a test: a point
 * either met its SLOs at their percentiles or did not, and its queue either kept growing or did not.
 *
 * @param point     the point
 * @param baseline  the baseline's point
 * @param candidate the candidate's point
 * @param changes   the metrics both points have, in {@link ServingMetric} order
 */
public record ServingPointChange(ServingPointKey point, ServingPointResult baseline, ServingPointResult candidate,
        List<ServingChange> changes) {

    public ServingPointChange {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        changes = List.copyOf(changes);
    }

    /**
     * Whether the two points were held to the same SLOs, so that their SLO verdicts and goodputs say the same
     * thing. Only a forced comparison of runs with different {@code --slo} can make this false where both have
     * SLOs.
     */
    public boolean sameSlos() {
        return sameSlos(baseline, candidate);
    }

    static boolean sameSlos(ServingPointResult a, ServingPointResult b) {
        return a.slo() != null && b.slo() != null && Objects.equals(a.slo().slo(), b.slo().slo());
    }

    /** The baseline met every SLO at its percentile and the candidate misses one (same SLOs on both sides). */
    public boolean stoppedMeetingSlos() {
        return sameSlos() && baseline.slo().meetsSlo() && !candidate.slo().meetsSlo();
    }

    /** The baseline missed an SLO and the candidate meets them all (same SLOs on both sides). */
    public boolean startedMeetingSlos() {
        return sameSlos() && !baseline.slo().meetsSlo() && candidate.slo().meetsSlo();
    }

    /** The candidate's queue kept growing and the baseline's did not (steady, or not judged). */
    public boolean becameOverloaded() {
        return !overloaded(baseline) && overloaded(candidate);
    }

    /** The baseline's queue kept growing and the candidate's did not. */
    public boolean noLongerOverloaded() {
        return overloaded(baseline) && !overloaded(candidate);
    }

    /**
     * {@link Verdict#REGRESSION} when the point passed in the baseline ({@link ServingPointResult#passes()}: SLOs
     * met, not overloaded) and fails in the candidate under the same SLOs, or became OVERLOADED;
     * {@link Verdict#IMPROVEMENT} for the reverse (when it is not also a regression); {@link Verdict#UNCHANGED}
     * otherwise, however far the metrics moved.
     */
    public Verdict verdict() {
        boolean stoppedPassing = sameSlos() && baseline.passes() && !candidate.passes();
        if (stoppedPassing || becameOverloaded()) {
            return Verdict.REGRESSION;
        }
        boolean startedPassing = sameSlos() && !baseline.passes() && candidate.passes();
        return startedPassing || noLongerOverloaded() ? Verdict.IMPROVEMENT : Verdict.UNCHANGED;
    }

    private static boolean overloaded(ServingPointResult p) {
        return p.load() != null && p.load().overloaded();
    }
}

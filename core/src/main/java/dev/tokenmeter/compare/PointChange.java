package dev.tokenmeter.compare;

import dev.tokenmeter.result.Judgement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How one point's pass or fail moved between two results, where its scenario judges points (a serving point: SLOs
 * met, load sustained). The judgements are facts of each run, so they are compared without a test.
 *
 * @param point     the point's label
 * @param baseline  the baseline's judgement
 * @param candidate the candidate's judgement
 */
public record PointChange(String point, Judgement baseline, Judgement candidate) {
    public PointChange {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
    }

    /** Whether both were held to the same SLOs, so that their SLO verdicts say the same thing. */
    public boolean sameSlos() {
        return baseline.slos() != null && Objects.equals(baseline.slos(), candidate.slos());
    }

    public boolean stoppedMeetingSlos() {
        return sameSlos() && baseline.meetsSlos() && !candidate.meetsSlos();
    }

    public boolean startedMeetingSlos() {
        return sameSlos() && !baseline.meetsSlos() && candidate.meetsSlos();
    }

    public boolean becameOverloaded() {
        return !baseline.overloaded() && candidate.overloaded();
    }

    public boolean noLongerOverloaded() {
        return baseline.overloaded() && !candidate.overloaded();
    }

    /**
     * {@link Verdict#REGRESSION} when the point passed in the baseline and fails in the candidate under the same
     * SLOs, or became OVERLOADED; {@link Verdict#IMPROVEMENT} for the reverse (when it is not also a regression);
     * {@link Verdict#UNCHANGED} otherwise, however far the metrics moved.
     */
    public Verdict verdict() {
        if ((sameSlos() && baseline.passes() && !candidate.passes()) || becameOverloaded()) {
            return Verdict.REGRESSION;
        }
        boolean startedPassing = sameSlos() && !baseline.passes() && candidate.passes();
        return startedPassing || noLongerOverloaded() ? Verdict.IMPROVEMENT : Verdict.UNCHANGED;
    }

    /** How the verdict moved: "stopped meeting its SLOs and became OVERLOADED". */
    public String what() {
        List<String> moves = new ArrayList<>();
        if (stoppedMeetingSlos()) {
            moves.add("stopped meeting its SLOs");
        }
        if (startedMeetingSlos()) {
            moves.add("now meets its SLOs");
        }
        if (becameOverloaded()) {
            moves.add("became OVERLOADED");
        }
        if (noLongerOverloaded()) {
            moves.add("is no longer OVERLOADED");
        }
        return moves.isEmpty() ? "verdict unchanged" : String.join(" and ", moves);
    }
}

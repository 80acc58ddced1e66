package dev.tokenmeter.compare;

import java.util.List;

/**
 * The rule a CI job gates on. It fails on a metric that is a significant regression whose change is worse than
 * the threshold; a significant change smaller than the threshold, an improvement, or a change the tests cannot tell
 * from noise never fails it. Where a scenario's points are single runs (serving), no metric difference is tested,
 * so none fails the gate however large: a gate on untested single runs would fail on noise. What fails it there is
 * a point's judgement getting worse, a fact of each run rather than an estimate: a point that passed (met its
 * SLOs, not overloaded) in the baseline and fails in the candidate, or that became OVERLOADED. A judgement has no
 * size, so the threshold does not apply to it.
 *
 * <p>The gate never passes on missing points: a point the candidate did not measure cannot show a regression, so a
 * candidate that stopped early (an incomplete run) or that lacks points the baseline has fails it ({@link #missing}),
 * whatever its other points say. Points only the candidate has are new, not missing, and fail nothing; nor do a
 * search's probes, which two runs choose for themselves (its answer is compared instead).
 *
 * @param threshold the tolerated worsening as a fraction of the baseline mean (0.03 = 3%), >= 0
 */
public record RegressionGate(double threshold) {
    public RegressionGate {
        if (!(threshold >= 0) || !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("the regression threshold must be a finite number >= 0, got "
                    + threshold);
        }
    }

    /**
     * A threshold as users write it: "3%", "0.03" or "3" all mean 3%. A number without a percent sign is a
     * fraction below 1 and a percentage from 1 up ("0.5" is 50%, write "0.5%" for half a percent).
     */
    public static RegressionGate parse(String text) {
        String t = text == null ? "" : text.trim();
        boolean percent = t.endsWith("%");
        String number = percent ? t.substring(0, t.length() - 1).trim() : t;
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a regression threshold is a percentage such as 3% (or 0.03, or 3),"
                    + " got '" + text + "'", e);
        }
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException("a regression threshold must be >= 0%, got '" + text + "'");
        }
        return new RegressionGate(percent || v >= 1 ? v / 100 : v);
    }

    /** The metric regressions that fail the gate, worst first. */
    public List<MetricChange> failures(Comparison c) {
        return c.regressionsBeyond(threshold);
    }

    /** The points whose judgement got worse, in table order: they fail the gate whatever the threshold. */
    public List<PointChange> verdictFailures(Comparison c) {
        return c.verdictRegressions();
    }

    /**
     * What the candidate is missing ({@link Comparison#missing}), one sentence each: that it is an incomplete run,
     * and the baseline's points it lacks. Each fails the gate; empty when nothing is missing.
     */
    public List<String> missing(Comparison c) {
        return c.missing();
    }

    public boolean passes(Comparison c) {
        return failures(c).isEmpty() && verdictFailures(c).isEmpty() && missing(c).isEmpty();
    }

    /** The threshold as a percentage, "3%" or "0.5%". */
    public String describe() {
        return ComparisonReport.threshold(threshold);
    }
}

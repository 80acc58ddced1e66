package dev.tokenmeter.compare;

import java.util.Objects;

/**
 * One metric of one point, baseline against candidate. Changes are relative to the baseline's mean:
 * +0.05 means the candidate's mean is 5% higher, which is a regression for a latency and an improvement for a
 * throughput ({@link #worsening()} folds the direction in). p-values are two-sided; NaN where no test could run
 * (fewer than two trials on a side).
 *
 * @param baselineTrials   trials on the baseline side
 * @param candidateTrials  trials on the candidate side
 * @param relativeChange   (candidate mean − baseline mean) / baseline mean
 * @param relativeCiLow    lower end of the 95% confidence interval of that change (Welch–Satterthwaite interval
 *                         of the difference of means, divided by the baseline mean)
 * @param relativeCiHigh   upper end of that interval
 * @param pMannWhitney     Mann–Whitney U test's p-value
 * @param pWelch           Welch's t-test's p-value
 * @param pAdjusted        the larger of the two (both tests must agree), Holm-adjusted over every metric tested in
 *                         the comparison; what {@code significant} compares with the significance level
 * @param significant      whether pAdjusted is below the comparison's significance level
 * @param verdict          improvement, regression, no significant change, or too few trials
 */
public record MetricChange(PointKey point, Metric metric, int baselineTrials, int candidateTrials,
        double baselineMedian, double baselineMean, double candidateMedian, double candidateMean,
        double relativeChange, double relativeCiLow, double relativeCiHigh,
        double pMannWhitney, double pWelch, double pAdjusted, boolean significant, Verdict verdict) {

    public MetricChange {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(verdict, "verdict");
    }

    public Metric.Direction direction() {
        return metric.direction();
    }

    /**
     * The change in the bad direction: positive when the candidate is worse (a lower throughput or a higher
     * latency), as a fraction of the baseline mean.
     */
    public double worsening() {
        return metric.direction() == Metric.Direction.HIGHER_IS_BETTER ? -relativeChange : relativeChange;
    }

    /** Whether this is a significant regression whose change is worse than {@code threshold} (0.03 = 3%). */
    public boolean regressionBeyond(double threshold) {
        return verdict == Verdict.REGRESSION && worsening() > threshold;
    }
}

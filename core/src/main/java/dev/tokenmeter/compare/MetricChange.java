package dev.tokenmeter.compare;

import dev.tokenmeter.result.Metric;
import java.util.List;
import java.util.Objects;

/**
 * One metric of one point, baseline against candidate, for any scenario. Changes are relative to the baseline's
 * mean: +0.05 means the candidate's mean is 5% higher, which is a regression for a latency and an improvement for
 * a throughput ({@link #worsening()} folds the direction in). Where the scenario's points are single runs each side
 * has one sample, and the verdict is {@link Verdict#NOT_TESTED}; p-values are NaN where no test ran.
 *
 * @param point            the point's label
 * @param key              the point's cells in the comparison's key columns (batch, prompt, output; or the label)
 * @param metric           the metric
 * @param baselineTrials   samples on the baseline side
 * @param candidateTrials  samples on the candidate side
 * @param relativeChange   (candidate mean − baseline mean) / baseline mean
 * @param relativeCiLow    lower end of the 95% confidence interval of that change (Welch–Satterthwaite interval
 *                         of the difference of means, divided by the baseline mean); NaN where untested
 * @param relativeCiHigh   upper end of that interval
 * @param pMannWhitney     Mann–Whitney U test's p-value
 * @param pWelch           Welch's t-test's p-value
 * @param pAdjusted        the larger of the two (both tests must agree), Holm-adjusted over every distinct
 *                         measurement tested in the comparison; what {@code significant} compares with the level
 * @param significant      whether pAdjusted is below the comparison's significance level
 * @param verdict          improvement, regression, no significant change, too few trials, or not tested
 */
public record MetricChange(String point, List<String> key, Metric<?> metric, int baselineTrials,
        int candidateTrials, double baselineMedian, double baselineMean, double candidateMedian,
        double candidateMean, double relativeChange, double relativeCiLow, double relativeCiHigh,
        double pMannWhitney, double pWelch, double pAdjusted, boolean significant, Verdict verdict) {

    public MetricChange {
        Objects.requireNonNull(point, "point");
        key = List.copyOf(key);
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(verdict, "verdict");
    }

    /**
     * The change in the bad direction: positive when the candidate is worse (a lower throughput or a higher
     * latency), as a fraction of the baseline mean.
     */
    public double worsening() {
        return metric.worsening(relativeChange);
    }

    /** Whether this is a significant regression whose change is worse than {@code threshold} (0.03 = 3%). */
    public boolean regressionBeyond(double threshold) {
        return verdict == Verdict.REGRESSION && worsening() > threshold;
    }
}

package dev.tokenmeter.compare;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * Two independent samples of one metric (baseline trials a, candidate trials b) and the figures a comparison
 * reports about them: medians, means, the relative change of the mean with its 95% confidence interval
 * (Welch–Satterthwaite), and two-sided p-values of Welch's t-test and of the Mann–Whitney U test (normal
 * approximation, as Commons Math computes it).
 *
 * <p>The interval is that of the difference of means divided by the baseline mean; it ignores the baseline
 * mean's own uncertainty in the denominator, which at a few percent of noise moves its ends by a few percent of
 * their width.
 */
record TwoSamples(int nA, int nB, double medianA, double meanA, double medianB, double meanB,
        double relativeChange, double relativeCiLow, double relativeCiHigh, double pMannWhitney, double pWelch) {

    /** Whether both sides have the two samples a variance, and so a test, needs. */
    boolean testable() {
        return nA >= 2 && nB >= 2;
    }

    static TwoSamples of(double[] a, double[] b) {
        if (a.length == 0 || b.length == 0) {
            throw new IllegalArgumentException("each side needs at least one sample");
        }
        double meanA = StatUtils.mean(a);
        double meanB = StatUtils.mean(b);
        double rel = (meanB - meanA) / meanA;
        if (a.length < 2 || b.length < 2) {
            return new TwoSamples(a.length, b.length, median(a), meanA, median(b), meanB, rel, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        }
        double seA = StatUtils.variance(a) / a.length; // squared standard errors of the two means
        double seB = StatUtils.variance(b) / b.length;
        double se = Math.sqrt(seA + seB);
        double half;
        double pWelch;
        if (se == 0) {
            // Both sides constant: the difference is exact. Commons Math's t-test would divide by zero.
            half = 0;
            pWelch = meanA == meanB ? 1.0 : 0.0;
        } else {
            double df = (seA + seB) * (seA + seB)
                    / (seA * seA / (a.length - 1) + seB * seB / (b.length - 1));
            half = new TDistribution(null, df).inverseCumulativeProbability(0.975) * se;
            pWelch = new TTest().tTest(a, b); // two-sided, unequal variances: Welch's
        }
        double pMw = new MannWhitneyUTest().mannWhitneyUTest(a, b);
        double diff = meanB - meanA;
        double lo = (diff - half) / meanA;
        double hi = (diff + half) / meanA;
        return new TwoSamples(a.length, b.length, median(a), meanA, median(b), meanB, rel, Math.min(lo, hi),
                Math.max(lo, hi), Math.min(1.0, pMw), pWelch);
    }

    /** The larger p-value: a change is called only when the means (Welch) and the ranks (Mann–Whitney) agree. */
    double pBoth() {
        return Math.max(pMannWhitney, pWelch);
    }

    private static double median(double[] x) {
        return new Percentile().withEstimationType(EstimationType.R_7).evaluate(x, 50);
    }
}

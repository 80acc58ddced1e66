package dev.tokenmeter.measure;

import java.util.Arrays;
import org.apache.commons.math3.stat.descriptive.moment.Mean;
import org.apache.commons.math3.stat.descriptive.moment.StandardDeviation;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/**
 * A distribution of samples in one unit. Percentiles interpolate linearly between order statistics
 * (Hyndman–Fan type 7, NumPy's default), so a median of two samples is their mean.
 *
 * @param n      sample count
 * @param mean   arithmetic mean
 * @param stddev sample standard deviation (n − 1); 0 for one sample
 */
public record Summary(int n, double mean, double stddev, double min, double p50, double p90, double p95,
        double p99, double max) {

    /** Summarizes {@code samples}; at least one is needed. */
    public static Summary of(double... samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("a summary needs at least one sample");
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        Percentile pct = new Percentile().withEstimationType(EstimationType.R_7);
        pct.setData(sorted);
        double sd = sorted.length > 1 ? new StandardDeviation(true).evaluate(sorted) : 0.0;
        return new Summary(sorted.length, new Mean().evaluate(sorted), sd, sorted[0], pct.evaluate(50),
                pct.evaluate(90), pct.evaluate(95), pct.evaluate(99), sorted[sorted.length - 1]);
    }

    /** The median, the figure tokenmeter reports by default. */
    public double median() {
        return p50;
    }

    /** Coefficient of variation (stddev / mean); 0 when the mean is 0. */
    public double cv() {
        return mean == 0 ? 0 : stddev / Math.abs(mean);
    }
}

package dev.tokenmeter.measure;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.moment.Mean;
import org.apache.commons.math3.stat.descriptive.moment.StandardDeviation;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/**
 * A distribution of samples in one unit. Percentiles interpolate linearly between order statistics
 * (Hyndman–Fan type 7, NumPy's default), so a median of two samples is their mean.
 *
 * @param n         sample count
 * @param mean      arithmetic mean
 * @param stddev    sample standard deviation (n − 1); 0 for one sample
 * @param ci95Low   lower end of the 95% confidence interval of the mean; NaN for one sample. Where every sample is
 *                  above 0 (a time, a rate: every summary tokenmeter makes), the interval is taken on the log
 *                  scale, {@code mean · exp(±t · cv / √n)} (Student's t interval of ln(mean), by the delta
 *                  method), so that it stays above 0 however wide it is, and leans up as the mean of a skewed
 *                  positive quantity does; it matches Student's {@code mean ± t · stddev / √n} to within
 *                  (t · cv / √n)² / 2 of the mean, a hundredth of it at ±14%. Otherwise Student's t interval
 * @param ci95High  upper end of that interval; NaN for one sample
 * @param outliers  samples outside Tukey's fences (more than 1.5 interquartile ranges beyond the type-7
 *                  quartiles): counted and reported, never dropped; every other field includes them
 * @param cv        coefficient of variation, stddev / |mean|; 0 when the mean is 0
 */
public record Summary(int n, double mean, double stddev, double min, double p50, double p90, double p95,
        double p99, double max, double ci95Low, double ci95High, int outliers, double cv) {
    /** Degrees of freedom up to which the t quantile is computed once and kept (8 KB). */
    static final int CACHED_DF = 1000;
    private static final AtomicLongArray T_QUANTILES_975 = new AtomicLongArray(CACHED_DF + 1);

    /** Summarizes {@code samples}; at least one is needed. */
    public static Summary of(double... samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("a summary needs at least one sample");
        }
        for (int i = 0; i < samples.length; i++) {
            // Commons Math would drop a NaN from the percentiles but keep it in the mean: refuse instead.
            if (!Double.isFinite(samples[i])) {
                throw new IllegalArgumentException("sample " + i + " is " + samples[i]
                        + "; a summary needs finite samples (a zero-length timing is a measurement error)");
            }
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        Percentile pct = new Percentile().withEstimationType(EstimationType.R_7);
        pct.setData(sorted);
        int n = sorted.length;
        double mean = new Mean().evaluate(sorted);
        double sd = n > 1 ? new StandardDeviation(true).evaluate(sorted) : 0.0;
        double half = n > 1 ? tQuantile975(n - 1) * sd / Math.sqrt(n) : Double.NaN;
        double low = mean - half;
        double high = mean + half;
        if (n > 1 && sorted[0] > 0) {
            // ln(mean) has standard error cv / √n (delta method): the t interval on that scale, mapped back.
            double logHalf = half / mean;
            low = mean * Math.exp(-logHalf);
            high = mean * Math.exp(logHalf);
        }
        double q1 = pct.evaluate(25);
        double q3 = pct.evaluate(75);
        double iqr = q3 - q1;
        int outliers = 0;
        for (double x : sorted) {
            if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr) {
                outliers++;
            }
        }
        return new Summary(n, mean, sd, sorted[0], pct.evaluate(50), pct.evaluate(90), pct.evaluate(95),
                pct.evaluate(99), sorted[n - 1], low, high, outliers,
                mean == 0 ? 0 : sd / Math.abs(mean));
    }

    /**
     * The 97.5% quantile of Student's t with {@code df} degrees of freedom: the two-sided 95% multiplier.
     * Quantiles for up to {@link #CACHED_DF} degrees of freedom (every stopping-rule check, which re-summarizes
     * the trials after each one) are computed once and kept; larger ones are computed on each call.
     */
    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("df must be >= 1, got " + df);
        }
        if (df > CACHED_DF) {
            return computeTQuantile975(df);
        }
        // Raw bits of 0 mean "not computed yet": no t quantile at 0.975 is 0. Two threads may both compute one
        // entry; they store the same value.
        long bits = T_QUANTILES_975.get(df);
        if (bits == 0) {
            bits = Double.doubleToRawLongBits(computeTQuantile975(df));
            T_QUANTILES_975.set(df, bits);
        }
        return Double.longBitsToDouble(bits);
    }

    private static double computeTQuantile975(int df) {
        // A null random generator: this distribution is only inverted, never sampled, and the one-argument
        // constructor would seed a Well19937c (a few KB of state) per call. The solver's absolute accuracy is
        // tightened from its default of 1e-9, which leaves an error in the tenth digit; cached, this costs nothing.
        return new TDistribution(null, df, 1e-12).inverseCumulativeProbability(0.975);
    }

    /** The median, the figure tokenmeter reports by default. */
    public double median() {
        return p50;
    }

    /**
     * Half-width of Student's t 95% confidence interval of the mean, t · stddev / √n: the precision a trial policy
     * aims at ({@link MeasurementPolicy#targetRelativeCi()}); NaN for one sample. For a positive quantity the
     * interval reported ({@link #ci95Low}, {@link #ci95High}) is its log-scale form, of about this half-width
     * where it is narrow.
     */
    public double ciHalfWidth() {
        return n > 1 ? tQuantile975(n - 1) * stddev / Math.sqrt(n) : Double.NaN;
    }

    /**
     * The half-width relative to the magnitude of the mean (0.01 = ±1%); NaN for one sample, infinite for a zero
     * mean with any spread, NaN for samples that are all 0.
     */
    public double relativeCiHalfWidth() {
        return ciHalfWidth() / Math.abs(mean);
    }
}

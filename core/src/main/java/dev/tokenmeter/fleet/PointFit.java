package dev.tokenmeter.fleet;

import java.util.Arrays;

/**
 * The robust figures of one point that the straggler test reads: per rank, its log-median throughput and that
 * median's standard error; for the fleet, the centre, the spread between ranks and its two parts (GPUs and trial
 * noise). All in natural logarithms of throughput.
 *
 * @param logMedian     per rank, ln of the median trial
 * @param standardError per rank, the standard error of {@code logMedian} from trial noise alone
 * @param centre        the median over ranks of {@code logMedian}
 * @param spread        1.4826 × the median absolute deviation of {@code logMedian}: a robust standard deviation
 *                      of the ranks, trial noise included
 * @param gpuSpread     the part of {@code spread} that trial noise does not explain, the GPUs' own differences
 * @param trialNoise    the pooled standard deviation of one trial's log-throughput about its rank's
 * @param pairedRanks   how many ranks have the two trials a noise estimate needs
 */
record PointFit(double[] logMedian, double[] standardError, double centre, double spread, double gpuSpread,
        double trialNoise, int pairedRanks) {
    /** 1 / Φ⁻¹(0.75): the median absolute deviation of a normal sample times this is its standard deviation. */
    static final double MAD_TO_SD = 1.482602218505602;
    /**
     * 1 / (√2 Φ⁻¹(0.75)): the median of |x_i − x_j| over pairs of normal trials times this is their standard
     * deviation. Unlike the median absolute deviation of a handful of trials, it is consistent for any number
     * of trials, so ranks with 3 and with 30 trials pool into one figure without small-sample factors.
     */
    static final double PAIR_TO_SD = 1.0483;
    /** √(π/2): the standard error of a median of n normal trials is this times σ/√n (large n; an upper bound). */
    static final double MEDIAN_SE = Math.sqrt(Math.PI / 2);
    /**
     * How many trials' worth of evidence the pooled trial noise counts for when a rank's own noise is weighed
     * against it: a rank of 5 trials that looks noisier than the fleet is believed a little over half-way.
     */
    static final double PRIOR_TRIALS = 4;
    /** Trials a rank's noise estimate uses at most (its first ones), which bounds the pairs at 496 a rank. */
    static final int MAX_PAIR_TRIALS = 32;

    /** Fits the ranks' trials, each array non-empty with values finite and above 0. */
    static PointFit of(double[][] trials) {
        int n = trials.length;
        double[] logMedian = new double[n];
        double[] own = new double[n];
        int pairCount = 0;
        for (int r = 0; r < n; r++) {
            logMedian[r] = Math.log(median(trials[r].clone()));
            int m = Math.min(trials[r].length, MAX_PAIR_TRIALS);
            pairCount += m * (m - 1) / 2;
        }
        double[] pooled = new double[pairCount];
        int at = 0;
        int paired = 0;
        for (int r = 0; r < n; r++) {
            int m = Math.min(trials[r].length, MAX_PAIR_TRIALS);
            if (m < 2) {
                continue;
            }
            int from = at;
            for (int i = 0; i < m; i++) {
                double li = Math.log(trials[r][i]);
                for (int j = i + 1; j < m; j++) {
                    pooled[at++] = Math.abs(li - Math.log(trials[r][j]));
                }
            }
            own[r] = PAIR_TO_SD * median(Arrays.copyOfRange(pooled, from, at));
            paired++;
        }
        double sigma = pairCount == 0 ? 0 : PAIR_TO_SD * median(pooled);

        double[] se = new double[n];
        double[] pooledSe2 = new double[n];
        for (int r = 0; r < n; r++) {
            int k = trials[r].length;
            double rankSigma = sigma;
            if (k >= 2) {
                // Shrink the rank's own noise towards the fleet's (as a moderated t-test does): a few trials
                // estimate it poorly, but a rank that is really noisier must not look surely slow. Never below
                // the fleet's, so a rank whose few trials happen to agree is not taken as exact.
                int df = Math.min(k, MAX_PAIR_TRIALS) - 1;
                double moderated = (PRIOR_TRIALS * sigma * sigma + df * own[r] * own[r]) / (PRIOR_TRIALS + df);
                rankSigma = Math.max(sigma, Math.sqrt(moderated));
            }
            double factor = (k <= 2 ? 1 : MEDIAN_SE) / Math.sqrt(k); // the median of 1 or 2 trials is their mean
            se[r] = factor * rankSigma;
            pooledSe2[r] = factor * factor * sigma * sigma;
        }

        double centre = median(logMedian.clone());
        double[] deviation = new double[n];
        for (int r = 0; r < n; r++) {
            deviation[r] = Math.abs(logMedian[r] - centre);
        }
        double spread = MAD_TO_SD * median(deviation);
        // The ranks' spread already holds the typical rank's trial noise; what is left is the GPUs' own.
        double gpu2 = Math.max(0, spread * spread - median(pooledSe2));
        return new PointFit(logMedian, se, centre, spread, Math.sqrt(gpu2), sigma, paired);
    }

    /** The number of ranks fitted. */
    int ranks() {
        return logMedian.length;
    }

    /**
     * The spread expected of rank r's log-median if it were an ordinary member of the fleet: the GPUs' spread and
     * its own trial noise. The typical rank's noise is counted once, inside {@code spread}, not twice.
     */
    double expectedSpread(int r) {
        return Math.sqrt(gpuSpread * gpuSpread + standardError[r] * standardError[r]);
    }

    /** The median of x, which it sorts; the mean of the middle two for an even length. */
    static double median(double[] x) {
        Arrays.sort(x);
        int h = x.length / 2;
        return x.length % 2 == 1 ? x[h] : (x[h - 1] + x[h]) / 2;
    }
}

package dev.tokenmeter.fleet;

import dev.tokenmeter.InvalidFieldException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Finds the GPUs of a fleet that are significantly slower than the rest, with a family-wise false-alarm rate that
 * holds for thousands of GPUs.
 *
 * <p>Each point is tested on its own, over the ranks that measured it, in natural logarithms of throughput (so a
 * deficit is a ratio, whatever the point's scale). For rank r with trials x:
 * <ul>
 * <li>l_r = ln(median x). The fleet centre c is the median of the l_r, its spread s_b = 1.4826 × their median
 * absolute deviation.</li>
 * <li>Trial noise σ_w is pooled over the fleet: 1.0483 × the median of |ln x_i − ln x_j| over all pairs of trials
 * within a rank. A rank's own figure, found the same way from its pairs, is shrunk towards σ_w with σ_w counted as
 * 4 trials, and never taken below σ_w. The standard error of l_r is se_r = 1.2533 × that / √n_r (the median of one
 * or two trials is their mean: factor 1).</li>
 * <li>The GPUs' own spread is τ² = max(0, s_b² − the median over ranks of the pooled se_r²), and
 * z_r = (l_r − c) / √(τ² + se_r²). Where that denominator is 0 (no spread and no noise), z_r is 0 for a rank at
 * the centre and ±∞ for one off it: identical trials everywhere give z = 0 and no finding.</li>
 * <li>p_r is the Student t distribution's CDF at z_r with max(1, N − 1) degrees of freedom, N the ranks in the
 * point, which widens the tail where the spread comes from few ranks.</li>
 * <li>The family is every (rank, point) tested, M of them; Bonferroni: adjusted p = min(1, M p). A finding needs
 * adjusted p below alpha and a deficit whose (1 − alpha) lower confidence bound is at least minDeficit.</li>
 * </ul>
 * A point measured by fewer than {@link #MIN_RANKS} ranks is not tested, and a note says so.
 *
 * <p>Three things differ from the first design, each for a reason measured on simulated fleets of 2000 GPUs
 * (between-GPU sigma 1–2%, trials with CV 3%, 5–10 trials; 400 to 1000 fleets a figure):
 * <ol>
 * <li>The denominator once held s_b² + se_r², which counts the typical rank's trial noise twice (s_b already
 * holds it). It cost power: three 15%-slow GPUs were all found in 79% of fleets at sigma 2%, against 92% now
 * (98% with 10 trials; 99% or more at sigma 1–1.5%), the false-alarm rate staying at or below alpha.</li>
 * <li>A rank's noise came from the median absolute deviation of its own trials alone. With 5 trials that is so
 * rough that a rank whose trials happen to agree looks exact, and a single-trial rank had no noise at all
 * (se = 0). Pooling the noise over the fleet fixes both; shrinking a rank's own figure towards it keeps a really
 * noisy rank from looking surely slow.</li>
 * <li>The deficit rule compared the point estimate with minDeficit. Where GPUs differ by heavy-tailed amounts
 * (Student t with 5 df), a fleet of 2000 holds real GPUs 5–15% slow; noise then carried ranks just under 5% slow
 * across the line in about 4% of fleets. Asking the deficit's lower confidence bound to clear minDeficit brought
 * that below 1% at no measured loss of power.</li>
 * </ol>
 *
 * <p>What the test cannot do: tell a straggler from a GPU in the heavy tail of an otherwise healthy fleet. The
 * false-alarm rate holds where the GPUs' differences are near log-normal. Where they are heavy-tailed, a fleet of
 * thousands holds GPUs that really are 10% slower than the median, and they are flagged (a true deficit, so no
 * false alarm in the sense above): with t-distributed differences (5 df, scale 1% or 2%), 36% or 88% of fleets
 * of 2000 have a finding. A test that waved them through would lose its power on log-normal fleets: a GPU 15%
 * slow in the heavy tail looks just like a straggler 15% slow. And with few ranks the spread between them is
 * poorly known and the t tail is wide: in a fleet of 4 with CV 10% and 5 trials, a GPU at half speed is flagged
 * in about two thirds of fleets at alpha 0.01.
 */
public final class StragglerTest {
    /** The fewest ranks a point needs to be tested: with two, neither can be told to be the slow one. */
    public static final int MIN_RANKS = 3;

    private StragglerTest() {
    }

    /**
     * What the test asks for.
     *
     * @param alpha      the family-wise false-alarm rate, in (0, 0.5]
     * @param minDeficit the smallest deficit worth a finding, as a fraction (0.05 = 5% slower), in [0, 1)
     */
    public record Options(double alpha, double minDeficit) {
        public static final double DEFAULT_ALPHA = 0.01;
        public static final double DEFAULT_MIN_DEFICIT = 0.05;

        public Options {
            if (!(alpha > 0 && alpha <= 0.5)) {
                throw new InvalidFieldException("alpha", "must be in (0, 0.5], got " + alpha);
            }
            if (!(minDeficit >= 0 && minDeficit < 1)) {
                throw new InvalidFieldException("minDeficit", "must be in [0, 1), got " + minDeficit);
            }
        }

        /** Alpha 0.01 family-wise, minDeficit 0.05. */
        public static Options defaults() {
            return new Options(DEFAULT_ALPHA, DEFAULT_MIN_DEFICIT);
        }
    }

    /** Tests the fleet with {@link Options#defaults}. */
    public static StragglerOutcome run(List<Rank> ranks) {
        return run(ranks, Options.defaults());
    }

    /**
     * Tests the fleet.
     *
     * @param ranks every rank, each reporting the same number of points; ids unique
     * @throws IllegalArgumentException where ranks report different numbers of points or share an id
     */
    public static StragglerOutcome run(List<Rank> ranks, Options options) {
        Objects.requireNonNull(options, "options");
        int points = checkFleet(ranks);
        List<String> notes = new ArrayList<>();
        if (ranks.isEmpty()) {
            notes.add("no ranks: nothing to test");
        }
        List<int[]> members = new ArrayList<>(points);
        List<PointFit> fits = new ArrayList<>(points);
        List<PointSpread> spreads = new ArrayList<>(points);
        int family = 0;
        for (int k = 0; k < points; k++) {
            int[] in = measured(ranks, k);
            PointFit fit = null;
            if (in.length > 0) {
                double[][] trials = new double[in.length][];
                for (int i = 0; i < in.length; i++) {
                    trials[i] = ranks.get(in[i]).trials(k);
                }
                fit = PointFit.of(trials);
            }
            boolean tested = in.length >= MIN_RANKS;
            if (tested) {
                family += in.length;
                if (fit.pairedRanks() == 0) {
                    notes.add("point " + k + ": no rank has two trials, so trial noise is unknown and the ranks"
                            + " are judged by their spread alone");
                }
            } else {
                notes.add("point " + k + ": " + (in.length == 0 ? "no rank measured it"
                        : in.length + (in.length == 1 ? " rank" : " ranks") + ", too few to test for stragglers"
                        + " (needs " + MIN_RANKS + ")"));
            }
            members.add(in);
            fits.add(fit);
            spreads.add(fit == null ? new PointSpread(k, 0, false, Double.NaN, Double.NaN, Double.NaN, 0)
                    : new PointSpread(k, in.length, tested, Math.exp(fit.centre()), fit.spread(), fit.gpuSpread(),
                    fit.trialNoise()));
        }

        List<Finding> all = new ArrayList<>(family);
        for (int k = 0; k < points; k++) {
            int[] in = members.get(k);
            if (in.length >= MIN_RANKS) {
                test(ranks, k, in, fits.get(k), family, options, all);
            }
        }
        List<Finding> findings = all.stream().filter(Finding::straggler).sorted(StragglerOutcome.WORST_FIRST)
                .toList();
        return new StragglerOutcome(options, findings, all, spreads, notes);
    }

    /** Adds one finding per member of point k to {@code all}. */
    private static void test(List<Rank> ranks, int k, int[] in, PointFit fit, int family, Options options,
            List<Finding> all) {
        int n = in.length;
        TDistribution t = new TDistribution(null, Math.max(1, n - 1));
        double bound = t.inverseCumulativeProbability(1 - options.alpha());
        // The fleet median's own uncertainty, about √(π/2) s_b / √N, widens the deficit's bound a little.
        double centreVar = PointFit.MEDIAN_SE * PointFit.MEDIAN_SE * fit.spread() * fit.spread() / n;
        for (int i = 0; i < n; i++) {
            double diff = fit.logMedian()[i] - fit.centre();
            double scale = fit.expectedSpread(i);
            double z = scale > 0 ? diff / scale : diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
            double p = Double.isInfinite(z) ? (z < 0 ? 0 : 1) : t.cumulativeProbability(z);
            double adjusted = Math.min(1, p * family);
            double se = fit.standardError()[i];
            double deficit = 0 - Math.expm1(diff); // "0 -" keeps a rank at the centre at 0, not -0
            double deficitLow = 0 - Math.expm1(diff + bound * Math.sqrt(se * se + centreVar));
            boolean straggler = adjusted < options.alpha() && deficitLow >= options.minDeficit();
            all.add(new Finding(ranks.get(in[i]).id(), k, deficit, deficitLow, z, p, adjusted, 1 - adjusted,
                    straggler));
        }
    }

    /** The indices of the ranks that measured point k. */
    private static int[] measured(List<Rank> ranks, int k) {
        return IntStream.range(0, ranks.size()).filter(r -> ranks.get(r).trials(k).length > 0)
                .toArray();
    }

    /** Checks that every rank reports the same number of points and no two share an id; returns that number. */
    private static int checkFleet(List<Rank> ranks) {
        Objects.requireNonNull(ranks, "ranks");
        Set<String> ids = new HashSet<>();
        int points = -1;
        Rank first = null;
        for (Rank r : ranks) {
            Objects.requireNonNull(r, "a rank");
            if (!ids.add(r.id())) {
                throw new IllegalArgumentException("two ranks are called " + r.id() + ": rank ids must be unique");
            }
            if (first == null) {
                first = r;
                points = r.points();
            } else if (r.points() != points) {
                throw new IllegalArgumentException("rank " + r.id() + " reports " + r.points() + " points but rank "
                        + first.id() + " reports " + points + ": every rank lists the same points (an empty entry"
                        + " for one it lacks)");
            }
        }
        return Math.max(points, 0);
    }
}

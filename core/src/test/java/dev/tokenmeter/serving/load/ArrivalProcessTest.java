package dev.tokenmeter.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.Arrival;
import java.util.List;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.distribution.RealDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Open-loop arrivals: seeded, and with the gap distribution they claim.
 *
 * <p>The statistical checks are exact for their seed (nothing is timed, nothing varies between runs), and their
 * bounds are 5 standard errors, so each would fail for about one seed in 10^6. For n gaps of a gamma distribution
 * of shape k (Poisson: k = 1), whose coefficient of variation is CV = 1/√k, skewness γ = 2/√k and kurtosis
 * κ = 3 + 6/k:
 * <ul>
 *   <li>the sample mean has relative standard error CV / √n;</li>
 *   <li>the sample CV has, by the delta method, relative standard error √((κ − 1)/4 − CV·γ + CV²) / √n,
 *       which for the gamma is √((1 + 1/k) / 2n): at n = 20000, 0.71% for k = 1, 1.1% for k = 0.25 and 0.56%
 *       for k = 4, so the 5σ bounds are 3.5%, 5.6% and 2.8%;</li>
 *   <li>the Kolmogorov–Smirnov distance to the true CDF exceeds ε with probability at most 2·exp(−2nε²)
 *       (Dvoretzky–Kiefer–Wolfowitz, Massart's constant, valid for every n), so ε = √(ln(2/α) / 2n) bounds it
 *       at level α = 1e-6.</li>
 * </ul>
 */
class ArrivalProcessTest {
    private static final long SEED = 42L;
    private static final int N = 20_000;
    private static final LengthDistribution PROMPT = LengthDistribution.uniform(16, 512);
    private static final LengthDistribution OUTPUT = LengthDistribution.uniform(8, 128);

    @Test
    void sameSeedSameArrivals() {
        for (ArrivalProcess p : List.of(ArrivalProcess.poisson(3.5), ArrivalProcess.gamma(3.5, 0.3))) {
            List<Arrival> a = p.generate(500, PROMPT, OUTPUT, SEED);
            assertEquals(a, p.generate(500, PROMPT, OUTPUT, SEED), p.describe());
            assertNotEquals(a, p.generate(500, PROMPT, OUTPUT, SEED + 1), p.describe() + ", another seed");
        }
    }

    /**
     * Pins the workload of one seed: if this changes, runs with the same seed no longer serve the same requests.
     * The Poisson values were also reproduced outside Java, by a separate implementation of SplittableRandom's
     * published algorithm (SplitMix64) with −ln(1 − u) gaps; burstiness 1 must give exactly those (as its Javadoc
     * promises); the burstiness 0.25 ones exercise the normal, Marsaglia–Tsang and shape &lt; 1 paths.
     */
    @Test
    void aSeedsWorkloadDoesNotChange() {
        List<Arrival> poisson = List.of(
                new Arrival(0, 0.21445123222587748, 417, 127),
                new Arrival(1, 1.1454417746515309, 58, 14),
                new Arrival(2, 2.0385174108884807, 391, 15));
        assertEquals(poisson, ArrivalProcess.poisson(1.0).generate(3, PROMPT, OUTPUT, SEED));
        assertEquals(poisson, ArrivalProcess.gamma(1.0, 1.0).generate(3, PROMPT, OUTPUT, SEED));
        assertEquals(List.of(
                new Arrival(0, 0.0010984456274489992, 417, 127),
                new Arrival(1, 0.18069895821408866, 58, 14),
                new Arrival(2, 2.0048421048136458, 391, 15)),
                ArrivalProcess.gamma(1.0, 0.25).generate(3, PROMPT, OUTPUT, SEED));
    }

    @Test
    void idsCountUpAndTimesStartAfterTheFirstGap() {
        for (long seed = 0; seed < 100; seed++) {
            List<Arrival> a = ArrivalProcess.gamma(10, 2).generate(50, PROMPT, OUTPUT, seed);
            assertEquals(50, a.size());
            assertTrue(a.get(0).atSeconds() > 0, "seed " + seed + ": the first arrival is after a gap, not at 0");
            for (int i = 0; i < a.size(); i++) {
                assertEquals(i, a.get(i).id());
                assertTrue(i == 0 || a.get(i).atSeconds() >= a.get(i - 1).atSeconds(), "seed " + seed + ", " + i);
            }
        }
    }

    @Test
    void aShorterWorkloadIsAPrefixOfALongerOne() {
        ArrivalProcess p = ArrivalProcess.gamma(2, 0.5);
        assertEquals(p.generate(1000, PROMPT, OUTPUT, SEED).subList(0, 10), p.generate(10, PROMPT, OUTPUT, SEED));
    }

    @Test
    void theProcessChangesTheTimesNotTheLengths() {
        List<Arrival> poisson = ArrivalProcess.poisson(1).generate(200, PROMPT, OUTPUT, SEED);
        List<Arrival> gamma = ArrivalProcess.gamma(7, 0.25).generate(200, PROMPT, OUTPUT, SEED);
        for (int i = 0; i < 200; i++) {
            assertEquals(poisson.get(i).promptLength(), gamma.get(i).promptLength(), "prompt " + i);
            assertEquals(poisson.get(i).outputLength(), gamma.get(i).outputLength(), "output " + i);
        }
        assertNotEquals(poisson.get(0).atSeconds(), gamma.get(0).atSeconds());
    }

    @Test
    void theRateScalesTime() {
        List<Arrival> slow = ArrivalProcess.gamma(1, 0.5).generate(1000, PROMPT, OUTPUT, SEED);
        List<Arrival> fast = ArrivalProcess.gamma(8, 0.5).generate(1000, PROMPT, OUTPUT, SEED);
        for (int i = 0; i < slow.size(); i++) {
            double expected = slow.get(i).atSeconds() / 8;
            assertEquals(expected, fast.get(i).atSeconds(), 1e-12 * expected, "arrival " + i);
        }
    }

    @Test
    void poissonGapsAreExponentialAndIndependent() {
        double rate = 4.0;
        double[] gaps = gaps(ArrivalProcess.poisson(rate).generate(N, PROMPT, OUTPUT, SEED));
        double mean = mean(gaps);
        assertEquals(1 / rate, mean, 5 * (1 / rate) / Math.sqrt(N), "mean gap");
        assertEquals(1.0, cv(gaps), 5 * Math.sqrt(1.0 / N), "coefficient of variation");
        // Lag-1 autocorrelation of independent gaps: about N(0, 1/n).
        double covariance = 0;
        for (int i = 1; i < gaps.length; i++) {
            covariance += (gaps[i] - mean) * (gaps[i - 1] - mean);
        }
        double autocorrelation = covariance / (gaps.length - 1) / variance(gaps);
        assertEquals(0.0, autocorrelation, 5 / Math.sqrt(N), "lag-1 autocorrelation");
        assertFitsCdf(gaps, new GammaDistribution(1.0, 1 / rate));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.25, 1.0, 4.0})
    void gammaGapsHaveTheRateMeanAndTheBurstinessSpread(double k) {
        double rate = 5.0;
        double[] gaps = gaps(ArrivalProcess.gamma(rate, k).generate(N, PROMPT, OUTPUT, SEED));
        double cv = 1 / Math.sqrt(k);
        assertEquals(1 / rate, mean(gaps), 5 * (1 / rate) * cv / Math.sqrt(N), "mean gap, burstiness " + k);
        assertEquals(cv, cv(gaps), 5 * cv * Math.sqrt((1 + 1 / k) / (2.0 * N)), "CV, burstiness " + k);
        assertFitsCdf(gaps, new GammaDistribution(k, 1 / (rate * k)));
    }

    @Test
    void describesItself() {
        assertEquals("poisson 4.0/s", ArrivalProcess.poisson(4).describe());
        assertEquals("gamma 4.0/s, burstiness 0.5", ArrivalProcess.gamma(4, 0.5).describe());
    }

    @Test
    void zeroRequestsIsEmptyAndFewerIsAnError() {
        assertEquals(List.of(), ArrivalProcess.poisson(1).generate(0, PROMPT, OUTPUT, SEED));
        assertEquals("count must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> ArrivalProcess.poisson(1).generate(-1, PROMPT, OUTPUT, SEED)).getMessage());
        assertThrows(NullPointerException.class, () -> ArrivalProcess.poisson(1).generate(1, null, OUTPUT, SEED));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void ratesMustBeFiniteAndPositive(double rate) {
        String expected = "--rate must be a finite number > 0 (requests per second), got " + rate;
        assertEquals(expected, assertThrows(IllegalArgumentException.class,
                () -> ArrivalProcess.poisson(rate)).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class,
                () -> ArrivalProcess.gamma(rate, 1)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.5, Double.NaN, Double.POSITIVE_INFINITY})
    void burstinessMustBeFiniteAndPositive(double burstiness) {
        assertEquals("--burstiness must be a finite number > 0 (1 = Poisson), got " + burstiness,
                assertThrows(IllegalArgumentException.class, () -> ArrivalProcess.gamma(1, burstiness)).getMessage());
    }

    private static void assertFitsCdf(double[] sample, RealDistribution truth) {
        double alpha = 1e-6;
        double bound = Math.sqrt(Math.log(2 / alpha) / (2.0 * sample.length));
        double distance = new KolmogorovSmirnovTest().kolmogorovSmirnovStatistic(truth, sample);
        assertTrue(distance < bound, "Kolmogorov-Smirnov distance " + distance + " >= " + bound);
    }

    private static double[] gaps(List<Arrival> arrivals) {
        double[] gaps = new double[arrivals.size()];
        double previous = 0; // the first gap runs from 0
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = arrivals.get(i).atSeconds() - previous;
            previous = arrivals.get(i).atSeconds();
        }
        return gaps;
    }

    private static double mean(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        return sum / x.length;
    }

    private static double variance(double[] x) {
        double mean = mean(x);
        double sum = 0;
        for (double v : x) {
            sum += (v - mean) * (v - mean);
        }
        return sum / (x.length - 1);
    }

    private static double cv(double[] x) {
        return Math.sqrt(variance(x)) / mean(x);
    }
}

package dev.tokenmeter.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Summaries against values worked by hand with NumPy's default percentile (Hyndman–Fan type 7: the p-th
 * percentile of n sorted values sits at rank h = (n − 1)·p/100, interpolated linearly between floor(h) and
 * ceil(h)) and the sample standard deviation (n − 1).
 */
class SummaryTest {
    private static final double EPS = 1e-12;

    @Test
    void fourValues() {
        Summary s = Summary.of(1, 2, 3, 4);
        assertEquals(4, s.n());
        assertEquals(2.5, s.mean(), EPS);
        // Σ(x − 2.5)² = 5, over n − 1 = 3.
        assertEquals(Math.sqrt(5.0 / 3.0), s.stddev(), EPS);
        assertEquals(1, s.min(), EPS);
        assertEquals(4, s.max(), EPS);
        assertEquals(2.5, s.p50(), EPS); // h = 1.5: halfway between 2 and 3
        assertEquals(3.7, s.p90(), EPS); // h = 2.7: 3 + 0.7
        assertEquals(3.85, s.p95(), EPS); // h = 2.85
        assertEquals(3.97, s.p99(), EPS); // h = 2.97
        assertEquals(2.5, s.median(), EPS);
        assertEquals(Math.sqrt(5.0 / 3.0) / 2.5, s.cv(), EPS);
    }

    @Test
    void threeValuesInAnyOrderAndTheInputIsLeftAlone() {
        double[] samples = {30, 10, 20};
        Summary s = Summary.of(samples);
        assertArrayEquals(new double[] {30, 10, 20}, samples);
        assertEquals(20, s.mean(), EPS);
        assertEquals(10, s.stddev(), EPS); // (100 + 0 + 100) / 2 = 100
        assertEquals(20, s.p50(), EPS);
        assertEquals(28, s.p90(), EPS); // h = 1.8: 20 + 0.8 · 10
        assertEquals(29, s.p95(), EPS);
        assertEquals(29.8, s.p99(), EPS);
        assertEquals(10, s.min(), EPS);
        assertEquals(30, s.max(), EPS);
    }

    @Test
    void twoValuesMedianIsTheirMean() {
        Summary s = Summary.of(1, 2);
        assertEquals(1.5, s.p50(), EPS);
        assertEquals(1.9, s.p90(), EPS);
        assertEquals(Math.sqrt(0.5), s.stddev(), EPS);
    }

    @Test
    void hundredValues() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 99 - i;
        }
        Summary s = Summary.of(v);
        // numpy.percentile(numpy.arange(100), [50, 90, 95, 99]) = 49.5, 89.1, 94.05, 98.01
        assertEquals(49.5, s.p50(), 1e-9);
        assertEquals(89.1, s.p90(), 1e-9);
        assertEquals(94.05, s.p95(), 1e-9);
        assertEquals(98.01, s.p99(), 1e-9);
        assertEquals(49.5, s.mean(), 1e-9);
        // Sample variance of 0..99 is n(n+1)/12 with n = 100: 841.666...
        assertEquals(Math.sqrt(100 * 101 / 12.0), s.stddev(), 1e-9);
    }

    @Test
    void oneSample() {
        Summary s = Summary.of(7);
        assertEquals(1, s.n());
        assertEquals(7, s.mean());
        assertEquals(0, s.stddev());
        assertEquals(7, s.min());
        assertEquals(7, s.p50());
        assertEquals(7, s.p99());
        assertEquals(7, s.max());
        assertEquals(0, s.cv());
    }

    @Test
    void coefficientOfVariationUsesTheMagnitudeOfTheMean() {
        assertEquals(0, Summary.of(-1, 1).cv(), "mean 0 gives 0, not infinity");
        Summary neg = Summary.of(-2, -4);
        assertEquals(Math.sqrt(2) / 3, neg.cv(), EPS);
    }

    @Test
    void noSamplesIsRefused() {
        assertThrows(IllegalArgumentException.class, Summary::of);
    }
}

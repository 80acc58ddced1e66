package dev.tokenmeter.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The statistics against values computed independently (SciPy 1.x, noted beside each). */
class TwoSamplesTest {
    private static final double[] A = {1.1, 2.3, 2.9, 4.2, 5.0};
    private static final double[] B = {2.0, 4.1, 6.3, 7.7, 10.2};

    @Test
    void welchAndMannWhitneyMatchAReference() {
        TwoSamples s = TwoSamples.of(A, B);
        // scipy.stats.ttest_ind(A, B, equal_var=False): p 0.111305532447726, df 5.790073597818792,
        // confidence_interval(0.95) of mean(A) - mean(B): (-6.851908064187747, 0.9319080641877475).
        assertEquals(0.111305532447726, s.pWelch(), 1e-9);
        assertEquals((6.06 - 3.1) / 3.1, s.relativeChange(), 1e-12);
        assertEquals(-0.9319080641877475 / 3.1, s.relativeCiLow(), 1e-9);
        assertEquals(6.851908064187747 / 3.1, s.relativeCiHigh(), 1e-9);
        // scipy.stats.mannwhitneyu(A, B, method='asymptotic', use_continuity=False): 0.17452534056858338 (no ties).
        assertEquals(0.17452534056858338, s.pMannWhitney(), 1e-9);
        assertEquals(s.pMannWhitney(), s.pBoth());
        assertEquals(2.9, s.medianA());
        assertEquals(6.3, s.medianB());
        assertTrue(s.testable());
    }

    @Test
    void constantSamplesNeedNoDivisionByZero() {
        TwoSamples same = TwoSamples.of(new double[] {2, 2, 2}, new double[] {2, 2});
        assertEquals(1.0, same.pWelch());
        assertEquals(1.0, same.pMannWhitney(), 1e-12);
        assertEquals(0.0, same.relativeCiLow());
        TwoSamples shifted = TwoSamples.of(new double[] {2, 2, 2}, new double[] {3, 3, 3});
        assertEquals(0.0, shifted.pWelch());
        assertEquals(0.5, shifted.relativeCiLow(), 1e-12);
        assertEquals(0.5, shifted.relativeCiHigh(), 1e-12);
    }

    @Test
    void oneSampleGivesNoTest() {
        TwoSamples s = TwoSamples.of(new double[] {1}, new double[] {2, 3});
        assertFalse(s.testable());
        assertTrue(Double.isNaN(s.pWelch()) && Double.isNaN(s.pMannWhitney()) && Double.isNaN(s.relativeCiLow()));
        assertEquals(1.5, s.relativeChange(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TwoSamples.of(new double[0], new double[] {1}));
    }
}

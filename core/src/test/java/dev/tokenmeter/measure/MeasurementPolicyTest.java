package dev.tokenmeter.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The stopping rule: the minimum always, then more while the budget lasts, never past the maximum. */
class MeasurementPolicyTest {
    @Test
    void minimumTrialsRunWhateverTheTime() {
        MeasurementPolicy p = new MeasurementPolicy(1, 3, 10, 5.0);
        assertTrue(p.wantsAnother(noisy(0), 0));
        assertTrue(p.wantsAnother(noisy(0), 1e9));
        assertTrue(p.wantsAnother(noisy(2), 1e9));
    }

    @Test
    void moreTrialsWhileTheBudgetLasts() {
        MeasurementPolicy p = new MeasurementPolicy(1, 3, 10, 5.0);
        assertTrue(p.wantsAnother(noisy(3), 0));
        assertTrue(p.wantsAnother(noisy(3), 4.999));
        assertFalse(p.wantsAnother(noisy(3), 5.0), "the budget is spent at exactly 5 s");
        assertFalse(p.wantsAnother(noisy(3), 6.0));
        assertTrue(p.wantsAnother(noisy(9), 1.0));
    }

    @Test
    void neverPastTheMaximum() {
        MeasurementPolicy p = new MeasurementPolicy(0, 3, 10, 1e6);
        assertFalse(p.wantsAnother(noisy(10), 0));
        assertFalse(p.wantsAnother(noisy(11), 0));
        MeasurementPolicy exact = new MeasurementPolicy(0, 2, 2, 1e6);
        assertTrue(exact.wantsAnother(noisy(1), 0));
        assertFalse(exact.wantsAnother(noisy(2), 0));
    }

    @Test
    void zeroBudgetMeansExactlyTheMinimum() {
        MeasurementPolicy p = new MeasurementPolicy(0, 2, 50, 0);
        assertTrue(p.wantsAnother(noisy(1), 0));
        assertFalse(p.wantsAnother(noisy(2), 0));
    }

    @Test
    void defaults() {
        MeasurementPolicy d = MeasurementPolicy.defaults();
        assertEquals(1, d.warmupTrials());
        assertEquals(3, d.minTrials());
        assertEquals(50, d.maxTrials());
        assertEquals(10.0, d.budgetSeconds());
    }

    private static void assertRefused(String field, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(field), x.getMessage());
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        assertRefused("warmupTrials", () -> new MeasurementPolicy(-1, 1, 1, 1));
        assertRefused("minTrials", () -> new MeasurementPolicy(0, 0, 1, 1));
        assertRefused("maxTrials", () -> new MeasurementPolicy(0, 3, 2, 1));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, -1));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, Double.NaN));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, Double.POSITIVE_INFINITY));
    }

    /** n trial values spread so widely that no confidence interval is within any target. */
    static double[] noisy(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 2 == 0 ? 1.0 : 100.0;
        }
        return v;
    }
}

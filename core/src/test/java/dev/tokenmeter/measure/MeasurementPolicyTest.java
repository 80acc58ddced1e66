package dev.tokenmeter.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.InvalidFieldException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The stopping rule: the minimum always, then more until the headline is precise enough, while the budget lasts,
 * never past the maximum.
 */
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
        assertEquals(0.01, d.targetRelativeCi());
        assertEquals(0.01, new MeasurementPolicy(1, 3, 50, 10.0).targetRelativeCi(), "the 4-argument form's target");
    }

    /** 1000 ± 0.1%: relative half-width 3.182 · 0.816 / √4 / 1000 = 0.0013. */
    private static final double[] PRECISE = {1000, 1001, 999, 1000};
    /** 100 ± 3%: relative half-width 3.182 · 2.449 / √4 / 100 = 0.039. */
    private static final double[] THREE_PERCENT = {100, 103, 97, 100};

    @Test
    void preciseSamplesStop() {
        MeasurementPolicy p = new MeasurementPolicy(0, 3, 50, 1e6);
        assertTrue(p.precise(PRECISE));
        assertFalse(p.wantsAnother(PRECISE, 0), "precise with budget and trials to spare: stop");
        assertEquals(Optional.of(StopReason.PRECISION), p.stopReason(PRECISE, 0));
    }

    @Test
    void impreciseSamplesContinue() {
        MeasurementPolicy p = new MeasurementPolicy(0, 3, 50, 1e6);
        assertFalse(p.precise(noisy(20)));
        assertTrue(p.wantsAnother(noisy(20), 1.0));
        assertEquals(Optional.empty(), p.stopReason(noisy(20), 1.0));
        assertFalse(p.precise(THREE_PERCENT), "±3.9% is not ±1%");
        assertTrue(p.wantsAnother(THREE_PERCENT, 1.0));
    }

    @Test
    void theTargetIsConfigurable() {
        MeasurementPolicy loose = new MeasurementPolicy(0, 3, 50, 1e6, 0.05);
        assertTrue(loose.precise(THREE_PERCENT), "±3.9% is within ±5%");
        assertEquals(Optional.of(StopReason.PRECISION), loose.stopReason(THREE_PERCENT, 0));
        MeasurementPolicy tight = new MeasurementPolicy(0, 3, 50, 1e6, 0.001);
        assertFalse(tight.precise(PRECISE), "±0.13% is not ±0.1%");
        // The boundary is inclusive: a target equal to the half-width is met.
        double rel = Summary.of(THREE_PERCENT).relativeCiHalfWidth();
        assertTrue(new MeasurementPolicy(0, 3, 50, 1e6, rel).precise(THREE_PERCENT));
        assertFalse(new MeasurementPolicy(0, 3, 50, 1e6, Math.nextDown(rel)).precise(THREE_PERCENT));
    }

    @Test
    void precisionNeedsTwoSamplesAndTheMinimum() {
        MeasurementPolicy p = new MeasurementPolicy(0, 5, 50, 0);
        assertFalse(p.precise(new double[] {1000}), "one sample has no interval");
        assertFalse(p.precise(new double[0]));
        assertTrue(p.precise(PRECISE));
        assertTrue(p.wantsAnother(PRECISE, 1e9), "precise but below minTrials = 5: go on");
    }

    @Test
    void stopReasons() {
        MeasurementPolicy p = new MeasurementPolicy(0, 3, 4, 5.0);
        assertEquals(Optional.of(StopReason.BUDGET), p.stopReason(noisy(3), 5.0));
        assertEquals(Optional.of(StopReason.MAX_TRIALS), p.stopReason(noisy(4), 0));
        assertEquals(Optional.of(StopReason.MAX_TRIALS), p.stopReason(noisy(4), 5.0), "the count before the time");
        assertEquals(Optional.of(StopReason.PRECISION), p.stopReason(PRECISE, 5.0),
                "precise at the maximum and past the budget: it reached its target, and says so");
        MeasurementPolicy single = new MeasurementPolicy(0, 1, 1, 1e6);
        assertEquals(Optional.of(StopReason.MAX_TRIALS), single.stopReason(new double[] {7}, 0),
                "one trial never reaches a target");
        assertEquals("precision", StopReason.PRECISION.label());
        assertEquals("budget", StopReason.BUDGET.label());
        assertEquals("max-trials", StopReason.MAX_TRIALS.label());
    }

    /** Refused with an {@link InvalidFieldException} naming {@code field}, the record component. */
    private static void assertRefused(String field, Executable e) {
        InvalidFieldException x = assertThrows(InvalidFieldException.class, e);
        assertEquals(field, x.field(), x.getMessage());
        assertTrue(x.getMessage().startsWith(field + " "), x.getMessage());
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        assertRefused("warmupTrials", () -> new MeasurementPolicy(-1, 1, 1, 1));
        assertRefused("minTrials", () -> new MeasurementPolicy(0, 0, 1, 1));
        assertRefused("maxTrials", () -> new MeasurementPolicy(0, 3, 2, 1));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, -1));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, Double.NaN));
        assertRefused("budgetSeconds", () -> new MeasurementPolicy(0, 1, 1, Double.POSITIVE_INFINITY));
        assertRefused("warmupSeconds", () -> new MeasurementPolicy(0, 1, 1, 1, 0.01, -1));
        assertRefused("warmupSeconds", () -> new MeasurementPolicy(0, 1, 1, 1, 0.01, Double.NaN));
        assertEquals("warmupTrials must be >= 0 (0 = no warm-up), got -1",
                assertThrows(InvalidFieldException.class, () -> new MeasurementPolicy(-1, 1, 1, 1)).getMessage());
        assertEquals("must be >= 1, got 0",
                assertThrows(InvalidFieldException.class, () -> new MeasurementPolicy(0, 0, 1, 1)).problem());
    }

    @Test
    void theTargetMustBeBetweenZeroAndOne() {
        assertRefused("targetRelativeCi", () -> new MeasurementPolicy(0, 1, 1, 1, 0));
        assertRefused("targetRelativeCi", () -> new MeasurementPolicy(0, 1, 1, 1, 1));
        assertRefused("targetRelativeCi", () -> new MeasurementPolicy(0, 1, 1, 1, -0.01));
        assertRefused("targetRelativeCi", () -> new MeasurementPolicy(0, 1, 1, 1, 1.5));
        assertRefused("targetRelativeCi", () -> new MeasurementPolicy(0, 1, 1, 1, Double.NaN));
        assertEquals(1e-6, new MeasurementPolicy(0, 1, 1, 1, 1e-6).targetRelativeCi());
        assertEquals(Math.nextDown(1.0), new MeasurementPolicy(0, 1, 1, 1, Math.nextDown(1.0)).targetRelativeCi());
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

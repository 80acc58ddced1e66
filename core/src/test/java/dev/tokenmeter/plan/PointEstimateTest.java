package dev.tokenmeter.plan;

import static dev.tokenmeter.plan.PlanFixtures.point;
import static dev.tokenmeter.plan.PlanFixtures.servingPoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Reading a measured point (offline or serving), and the derivations: another length mix and another GPU.
 */
class PointEstimateTest {
    private static final double EPS = 1e-9;

    /** Batch 2, prompt 100, output 11: TTFT 300 ms + 10 steps of 70 ms = 1000 ms; 30% prefill, 70% decode. */
    private static final PointEstimate P = OfflinePlanBasis.measured(point(2, 100, 11, 70, 300, 300, 300));

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * EPS, what);
    }

    @Test
    void measuredFigures() {
        close(300, P.ttftP50Ms(), "TTFT");
        close(70, P.tpotP99Ms(), "TPOT");
        close(2.0, P.requestsPerSecond(), "req/s");
        close(200, P.inputTokensPerSecond(), "input tok/s");
        close(22, P.outputTokensPerSecond(), "output tok/s");
        close(2 / 0.070, P.decodeTokensPerSecond(), "decode tok/s");
        close(0.3, P.prefillShare(), "prefill share");
    }

    @Test
    void projectionScalesPrefillAndDecodeTimesSeparately() {
        // H100 -> H200: FLOP/s equal (factor 1), bandwidth 3.35 -> 4.8 TB/s (decode time x 0.6979).
        // Trial: 300 + 700 x 3.35/4.8 = 300 + 488.54 = 788.54 ms, so 1000/788.54 = 1.2682x the throughput.
        double k = 3.35 / 4.8;
        PointEstimate h200 = P.projected(1.0, k);
        close(300, h200.ttftP99Ms(), "TTFT unchanged");
        close(70 * k, h200.tpotP50Ms(), "TPOT");
        close(2.0 * 1000 / (300 + 700 * k), h200.requestsPerSecond(), "req/s");
        close(22 * 1000 / (300 + 700 * k), h200.outputTokensPerSecond(), "output tok/s");
        close(2 / (0.070 * k), h200.decodeTokensPerSecond(), "decode tok/s");
        // Prefill twice as fast, decode unchanged: 150 + 700 = 850 ms.
        close(2.0 * 1000 / 850, P.projected(0.5, 1.0).requestsPerSecond(), "prefill-only speedup");
        // No change at all leaves every figure as measured.
        close(P.requestsPerSecond(), P.projected(1, 1).requestsPerSecond(), "identity");
    }

    @Test
    void decodeOnlyProjectionLeavesPrefillDependentFiguresUnknown() {
        PointEstimate rubin = P.projected(Double.NaN, 3.35 / 13);
        close(70 * 3.35 / 13, rubin.tpotP99Ms(), "TPOT");
        assertTrue(Double.isNaN(rubin.ttftP99Ms()));
        assertTrue(Double.isNaN(rubin.requestsPerSecond()));
        assertTrue(Double.isNaN(rubin.outputTokensPerSecond()));
        assertThrows(IllegalArgumentException.class, () -> P.projected(1, 0));
        assertThrows(IllegalArgumentException.class, () -> P.projected(-1, 1));
    }

    @Test
    void anotherMixRescalesPrefillByPromptAndDecodeByOutput() {
        assertSame(P, P.withMix(100, 11));
        // Prompt 50, output 31: prefill 150 ms, decode 30 x 70 = 2100 ms: 2 / 2.25 s = 0.8889 req/s.
        PointEstimate m = P.withMix(50, 31);
        close(150, m.ttftP99Ms(), "TTFT");
        close(70, m.tpotP99Ms(), "TPOT unchanged");
        close(2 / 2.25, m.requestsPerSecond(), "req/s");
        close(50 * 2 / 2.25, m.inputTokensPerSecond(), "input tok/s");
        close(31 * 2 / 2.25, m.outputTokensPerSecond(), "output tok/s");
        // One-token outputs: no decode at all, 300 ms per trial of 2.
        PointEstimate one = P.withMix(100, 1);
        close(2 / 0.3, one.requestsPerSecond(), "req/s");
        assertTrue(Double.isNaN(one.tpotP99Ms()));
        // A result of one-token outputs cannot give a longer one.
        PointEstimate noDecode = OfflinePlanBasis.measured(point(2, 100, 1, 0, 300, 300));
        assertThrows(IllegalArgumentException.class, () -> noDecode.withMix(100, 11));
    }

    @Test
    void aServingPointIsReadAsMeasuredAndOnlyTimeScaled() {
        // 200 requests of prompt 1024 / output 128 completed in 52 s; TTFT p50 400 / p99 900, TPOT 50 / 70.
        PointEstimate s = ServingPlanBasis.estimate(servingPoint(4, 200, 0, 52, 1024, 128, 400, 900, 50, 70, false));
        assertTrue(s.isServing());
        assertEquals("rate 4.00", s.label());
        assertEquals(1024, s.promptLength());
        assertEquals(128, s.outputLength());
        close(200 / 52.0, s.requestsPerSecond(), "achieved req/s");
        close(200 * 1024 / 52.0, s.inputTokensPerSecond(), "input tok/s");
        close(900, s.ttftP99Ms(), "TTFT p99");
        close(70, s.tpotP99Ms(), "TPOT p99");
        assertTrue(Double.isNaN(s.decodeTokensPerSecond()));
        assertNull(s.disqualified());
        assertSame(s, s.withMix(1024, 128));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.withMix(512, 128));
        assertTrue(e.getMessage().contains("queueing"), e.getMessage());

        // Every step twice as fast, arrivals twice as frequent: latencies halve, rates double.
        PointEstimate half = s.timeScaled(0.5);
        close(450, half.ttftP99Ms(), "TTFT p99");
        close(200, half.ttftP50Ms(), "TTFT p50");
        close(35, half.tpotP99Ms(), "TPOT p99");
        close(400 / 52.0, half.requestsPerSecond(), "req/s");
        close(2 * 200 * 128 / 52.0, half.outputTokensPerSecond(), "out tok/s");
        assertEquals("rate 4.00", half.label());
        assertThrows(IllegalArgumentException.class, () -> s.timeScaled(0));
        assertThrows(IllegalArgumentException.class, () -> s.timeScaled(Double.NaN));

        PointEstimate overloaded = ServingPlanBasis.estimate(servingPoint(8, 200, 0, 38, 1024, 128, 9000, 30000, 90,
                120, true));
        assertEquals("OVERLOADED: completions fell behind arrivals (test)", overloaded.disqualified());
        assertEquals(overloaded.disqualified(), overloaded.timeScaled(0.5).disqualified());
    }
}

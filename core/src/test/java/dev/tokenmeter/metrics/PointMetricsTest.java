package dev.tokenmeter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.Summary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN's metric definitions on trials small enough to work by hand. */
class PointMetricsTest {
    private static final double EPS = 1e-9;

    /**
     * Batch 2, prompt 5, output 4: prefill 100 ms, decode steps 10, 20, 30 ms. Both requests arrive at 0 and get
     * tokens at 100, 110, 130 and 160 ms.
     */
    private static final TrialRecord TRIAL = new TrialRecord(100, new double[] {10, 20, 30}, 90, 55);

    @Test
    void oneTrialByHand() {
        PointMetrics m = PointMetrics.offline(2, 5, 4, List.of(TRIAL));
        assertEquals(2, m.requests());
        assertEquals(10, m.inputTokens());
        assertEquals(8, m.outputTokens());
        assertEquals(100, m.ttftMs().p50(), EPS);
        assertEquals(160, m.e2eMs().p50(), EPS);
        // TPOT = (E2E − TTFT) / (output − 1) = 60 / 3.
        assertEquals(20, m.tpotMs().p50(), EPS);
        // ITL: the gaps 10, 20, 30.
        assertEquals(10, m.itlMs().min(), EPS);
        assertEquals(20, m.itlMs().p50(), EPS);
        assertEquals(30, m.itlMs().max(), EPS);
        assertEquals(20, m.itlMs().mean(), EPS);
        // Duration 0.16 s: 8 output tokens, 10 input, 2 requests.
        assertEquals(50, m.outputTokensPerSecond().p50(), EPS);
        assertEquals(62.5, m.inputTokensPerSecond().p50(), EPS);
        assertEquals(18 / 0.16, m.totalTokensPerSecond().p50(), EPS);
        assertEquals(12.5, m.requestsPerSecond().p50(), EPS);
        // Prefill: 10 prompt tokens in 0.1 s; decode: 2 · 3 tokens in 0.06 s.
        assertEquals(100, m.prefillTokensPerSecond().p50(), EPS);
        assertEquals(100, m.decodeTokensPerSecond().p50(), EPS);
        // Interactivity = 1 / TPOT = 1 / 20 ms.
        assertEquals(50, m.interactivityTokensPerSecond(), EPS);
    }

    /**
     * DESIGN: "ITL: every gap between consecutive tokens of a request, pooled." With 2 requests each gap occurs
     * twice, so the pooled sample is {10, 10, 20, 20, 30, 30}: n = 6, type-7 p90 at rank 4.5 is 30, stddev
     * (n − 1) is sqrt(400 / 5). Summarizing the three step gaps once instead gives n = 3, p90 = 28, stddev 10.
     */
    @Test
    void itlIsThePooledGapsOfEveryRequest() {
        PointMetrics m = PointMetrics.offline(2, 5, 4, List.of(TRIAL));
        Summary pooled = Summary.of(10, 10, 20, 20, 30, 30);
        assertEquals(pooled.p90(), m.itlMs().p90(), EPS, "ITL p90");
        assertEquals(pooled.p99(), m.itlMs().p99(), EPS, "ITL p99");
        assertEquals(pooled.stddev(), m.itlMs().stddev(), EPS, "ITL stddev");
        assertEquals(pooled.n(), m.itlMs().n(), "ITL sample count");
    }

    @Test
    void severalTrialsAreSummarizedPerTrial() {
        TrialRecord slow = new TrialRecord(300, new double[] {30, 30, 40}, 290, 95);
        TrialRecord mid = new TrialRecord(200, new double[] {20, 20, 20}, 190, 55);
        PointMetrics m = PointMetrics.offline(2, 5, 4, List.of(TRIAL, slow, mid));
        assertEquals(3, m.ttftMs().n());
        assertEquals(200, m.ttftMs().p50(), EPS);
        assertEquals(200, m.ttftMs().mean(), EPS);
        // E2E: 160, 400, 260.
        assertEquals(260, m.e2eMs().p50(), EPS);
        // TPOT: 20, 100/3, 20.
        assertEquals(20, m.tpotMs().p50(), EPS);
        assertEquals((20 + 100.0 / 3 + 20) / 3, m.tpotMs().mean(), EPS);
        // Output tok/s per trial: 8/0.16, 8/0.4, 8/0.26.
        assertEquals(8 / 0.26, m.outputTokensPerSecond().p50(), EPS);
        assertEquals(8 / 0.4, m.outputTokensPerSecond().min(), EPS);
        assertEquals(10, m.itlMs().min(), EPS);
        assertEquals(40, m.itlMs().max(), EPS);
    }

    @Test
    void oneOutputTokenLeavesDecodeFiguresUndefined() {
        PointMetrics m = PointMetrics.offline(4, 16, 1, List.of(new TrialRecord(40, new double[0], 39, 0)));
        assertEquals(4, m.outputTokens());
        assertEquals(40, m.ttftMs().p50(), EPS);
        assertEquals(40, m.e2eMs().p50(), EPS);
        assertEquals(100, m.outputTokensPerSecond().p50(), EPS);
        assertEquals(64 / 0.04, m.prefillTokensPerSecond().p50(), EPS);
        assertNull(m.tpotMs());
        assertNull(m.itlMs());
        assertNull(m.decodeTokensPerSecond());
        assertTrue(Double.isNaN(m.interactivityTokensPerSecond()));
    }

    @Test
    void trialsOfTheWrongShapeAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PointMetrics.offline(2, 5, 5, List.of(TRIAL)));
        assertTrue(e.getMessage().contains("decode steps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PointMetrics.offline(2, 5, 4, List.of()));
    }
}

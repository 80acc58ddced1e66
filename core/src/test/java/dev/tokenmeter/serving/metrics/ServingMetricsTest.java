package dev.tokenmeter.serving.metrics;

import static dev.tokenmeter.serving.metrics.Timelines.done;
import static dev.tokenmeter.serving.metrics.Timelines.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN's serving definitions on timelines small enough to work by hand (times in ms). */
class ServingMetricsTest {
    private static final double EPS = 1e-9;

    /**
     * R0 arrives at 0, prompt 10, tokens at 100, 120, 160: TTFT 100, E2E 160, TPOT (160 − 100) / 2 = 30, gaps 20, 40.
     * R1 arrives at 50, prompt 20, tokens at 200, 210, 220, 260: TTFT 150, E2E 210, TPOT 60 / 3 = 20, gaps 10, 10, 40.
     * R2 arrives at 100, prompt 30, one token at 400: TTFT = E2E = 300, no TPOT, no gap.
     * Duration: first arrival 0 → last completion 400 = 0.4 s.
     */
    static final List<RequestRecord> THREE = List.of(
            done(0, 0, 10, 100, 120, 160),
            done(1, 50, 20, 200, 210, 220, 260),
            done(2, 100, 30, 400));

    @Test
    void threeRequestsByHand() {
        ServingMetrics m = ServingMetrics.of(THREE);
        assertEquals(3, m.completed());
        assertEquals(0, m.incomplete());
        assertEquals(3, m.requests());
        assertEquals(60, m.inputTokens());
        assertEquals(8, m.outputTokens());
        assertEquals(0.4, m.durationSeconds(), EPS);

        // TTFT {100, 150, 300}: median 150, mean 550 / 3, type-7 p90 at rank 1.8 = 150 + 0.8 · 150 = 270.
        assertEquals(3, m.ttftMs().n());
        assertEquals(150, m.ttftMs().p50(), EPS);
        assertEquals(550.0 / 3, m.ttftMs().mean(), EPS);
        assertEquals(270, m.ttftMs().p90(), EPS);
        assertEquals(100, m.ttftMs().min(), EPS);
        assertEquals(300, m.ttftMs().max(), EPS);
        // E2E {160, 210, 300}.
        assertEquals(210, m.e2eMs().p50(), EPS);
        assertEquals(670.0 / 3, m.e2eMs().mean(), EPS);
        // TPOT {30, 20}: R2's single token has none, so n = 2 and the median is 25.
        assertEquals(2, m.tpotMs().n());
        assertEquals(25, m.tpotMs().p50(), EPS);
        assertEquals(20, m.tpotMs().min(), EPS);
        assertEquals(30, m.tpotMs().max(), EPS);
        // ITL pooled {20, 40} ∪ {10, 10, 40} = 10, 10, 20, 40, 40: n 5, median 20, mean 24.
        assertEquals(5, m.itlMs().n());
        assertEquals(20, m.itlMs().p50(), EPS);
        assertEquals(24, m.itlMs().mean(), EPS);
        assertEquals(40, m.itlMs().max(), EPS);
        // Rates over 0.4 s: 8 output tokens, 60 input, 68 in all, 3 requests.
        assertEquals(20, m.outputTokensPerSecond(), EPS);
        assertEquals(150, m.inputTokensPerSecond(), EPS);
        assertEquals(170, m.totalTokensPerSecond(), EPS);
        assertEquals(7.5, m.requestsPerSecond(), EPS);
        // Interactivity per request 1000 / 30 and 1000 / 20 tok/s: median (33.33 + 50) / 2 = 41.67; at the median
        // TPOT it is 1000 / 25 = 40 (the two differ: 1/x is not linear).
        assertEquals(2, m.interactivity().n());
        assertEquals((1000.0 / 30 + 50) / 2, m.interactivity().p50(), EPS);
        assertEquals(40, m.interactivityAtMedianTpot(), EPS);
    }

    @Test
    void perRequestValuesByHand() {
        List<RequestLatency> r = ServingMetrics.of(THREE).perRequest();
        assertEquals(3, r.size());
        assertEquals(new RequestLatency(0, 0, 10, 3, 100, 30, 160, 40), r.get(0));
        assertEquals(new RequestLatency(1, 50_000_000L, 20, 4, 150, 20, 210, 40), r.get(1));
        RequestLatency one = r.get(2);
        assertEquals(300, one.ttftMs(), EPS);
        assertEquals(300, one.e2eMs(), EPS);
        assertTrue(Double.isNaN(one.tpotMs()), "one token has no TPOT");
        assertTrue(Double.isNaN(one.maxItlMs()), "one token has no gap");
    }

    /** TTFT counts from the scheduled arrival, so time spent waiting in the queue is part of it. */
    @Test
    void queueingCountsInTtft() {
        // Arrives at 1000, first token at 1250 (it waited 200 of those 250 ms): TTFT 250, not 50.
        ServingMetrics m = ServingMetrics.of(List.of(done(0, 1000, 4, 1250, 1260)));
        assertEquals(250, m.ttftMs().p50(), EPS);
        assertEquals(260, m.e2eMs().p50(), EPS);
        // Duration starts at the first arrival, not at 0: 260 ms.
        assertEquals(0.26, m.durationSeconds(), EPS);
    }

    @Test
    void incompleteRequestsAreCountedButNotMeasured() {
        List<RequestRecord> records = new ArrayList<>(THREE);
        // R3: 2 of 5 tokens when the run ended, the second after R2's completion at 400.
        records.add(request(3, 20, 50, 5, 450, 500));
        // R4: no token at all.
        records.add(request(4, 30, 50, 5));
        ServingMetrics m = ServingMetrics.of(records);
        assertEquals(3, m.completed());
        assertEquals(2, m.incomplete());
        assertEquals(5, m.requests());
        // Every figure is the three-request one: the incomplete requests' tokens, prompts and latencies are out,
        // and the duration still ends at the last completion (400), not at R3's last token (500).
        ServingMetrics three = ServingMetrics.of(THREE);
        assertEquals(three.ttftMs(), m.ttftMs());
        assertEquals(three.tpotMs(), m.tpotMs());
        assertEquals(three.itlMs(), m.itlMs());
        assertEquals(three.e2eMs(), m.e2eMs());
        assertEquals(60, m.inputTokens());
        assertEquals(8, m.outputTokens());
        assertEquals(0.4, m.durationSeconds(), EPS);
        assertEquals(7.5, m.requestsPerSecond(), EPS);
        assertEquals(3, m.perRequest().size());
    }

    @Test
    void durationStartsAtTheFirstArrivalEvenOfAnIncompleteRequest() {
        // The incomplete request arrives at 0; the only completed one arrives at 100 and ends at 500: 0.5 s.
        ServingMetrics m = ServingMetrics.of(List.of(request(0, 0, 8, 4, 450), done(1, 100, 8, 300, 500)));
        assertEquals(0.5, m.durationSeconds(), EPS);
        assertEquals(2 / 0.5, m.outputTokensPerSecond(), EPS);
    }

    @Test
    void oneTokenRequestsOnlyHaveNoTpotItlOrInteractivity() {
        ServingMetrics m = ServingMetrics.of(List.of(done(0, 0, 8, 100), done(1, 0, 8, 300)));
        assertNull(m.tpotMs());
        assertNull(m.itlMs());
        assertNull(m.interactivity());
        assertTrue(Double.isNaN(m.interactivityAtMedianTpot()));
        assertEquals(200, m.ttftMs().p50(), EPS);
    }

    @Test
    void aZeroTpotIsSummarizedButHasNoInteractivity() {
        // R0's two tokens arrive together (TPOT 0, an infinite 1/TPOT); R1's TPOT is 10 ms, 100 tok/s.
        ServingMetrics m = ServingMetrics.of(List.of(done(0, 0, 8, 50, 50), done(1, 0, 8, 50, 60)));
        assertEquals(2, m.tpotMs().n());
        assertEquals(0, m.tpotMs().min(), EPS);
        assertEquals(1, m.interactivity().n());
        assertEquals(100, m.interactivity().p50(), EPS);
    }

    @Test
    void emptyOrUnmeasurableInputIsRefused() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> ServingMetrics.of(List.of()));
        assertTrue(empty.getMessage().contains("no request records"), empty.getMessage());
        assertThrows(NullPointerException.class, () -> ServingMetrics.of(null));

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> ServingMetrics.of(List.of(request(0, 0, 8, 4, 100), request(1, 0, 8, 4))));
        assertTrue(none.getMessage().contains("none of the 2 requests completed"), none.getMessage());

        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> ServingMetrics.of(List.of(done(0, 0, 8, 100), done(7, 200, 8, 150))));
        assertTrue(early.getMessage().contains("request 7"), early.getMessage());

        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> ServingMetrics.of(List.of(done(0, 100, 8, 100))));
        assertTrue(zero.getMessage().contains("duration"), zero.getMessage());
    }

    @Test
    void requestLatencyNeedsACompletedRequest() {
        assertThrows(IllegalArgumentException.class, () -> RequestLatency.of(request(0, 0, 8, 4, 100)));
    }
}

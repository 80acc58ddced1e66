package dev.tokenmeter.serving.metrics;

import static dev.tokenmeter.serving.metrics.Timelines.done;
import static dev.tokenmeter.serving.metrics.Timelines.fifo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.metrics.SustainedLoad.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sustained-load rules, each fired alone and each held back by its own threshold. Most timelines come from
 * {@link Timelines#fifo}: one server, 40 ms to the first token and 20 ms per further token, 4 tokens, so 100 ms
 * per request, 10 requests per second at most.
 */
class SustainedLoadTest {
    private static final double EPS = 1e-9;

    @Test
    void underCapacityIsSteady() {
        // 5 req/s: a request every 200 ms, each served in 100 ms, no one waits: TTFT 40 ms throughout.
        SustainedLoad s = SustainedLoad.check(5, fifo(40, 5, 40, 20, 4));
        assertEquals(Status.STEADY, s.status());
        assertEquals(5, s.arrivalRate(), EPS);
        assertEquals(5, s.completionRate(), EPS);
        assertEquals(40, s.firstQuarterTtftMs(), EPS);
        assertEquals(40, s.lastQuarterTtftMs(), EPS);
        assertEquals(Optional.empty(), s.warning());
    }

    @Test
    void overCapacityIsOverloadedByBothRules() {
        // 20 req/s into 10: request i arrives at 50i, starts at 100i (waits 50i), first token at 100i + 40,
        // completes at 100i + 100. 40 requests, middle half 10..30: arrivals span 1 s (20 req/s), completions 2 s
        // (10 req/s). Median TTFT (40 + 50i) of i = 0..9 is at i = 4.5: 265 ms; of i = 30..39 at 34.5: 1765 ms.
        SustainedLoad s = SustainedLoad.check(20, fifo(40, 20, 40, 20, 4));
        assertEquals(Status.OVERLOADED, s.status());
        assertEquals(20, s.arrivalRate(), EPS);
        assertEquals(10, s.completionRate(), EPS);
        assertEquals(265, s.firstQuarterTtftMs(), EPS);
        assertEquals(1765, s.lastQuarterTtftMs(), EPS);
        assertEquals(Optional.of("offered 20.0 req/s (arrived at 20.0 req/s, completed 10.0 req/s; median TTFT"
                + " 265 ms in the first quarter of arrivals, 1765 ms in the last): the queue kept growing; latencies"
                + " at this rate are not steady-state"), s.warning());
    }

    @Test
    void completionsFallingBehindAloneIsAnOverload() {
        // TTFT stays 20 ms (prefill first), but E2E grows: request i arrives at 50i and completes at
        // 50i + 100 + 60i = 110i + 100. Middle half: completions span 2.2 s for 20 intervals, 9.09 req/s < 18.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(done(i, 50 * i, 16, 50 * i + 20, 50 * i + 100 + 60 * i));
        }
        SustainedLoad s = SustainedLoad.check(20, records);
        assertEquals(Status.OVERLOADED, s.status());
        assertEquals(20.0 / 2.2, s.completionRate(), EPS);
        assertEquals(20, s.lastQuarterTtftMs(), EPS);
        assertEquals("offered 20.0 req/s (arrived at 20.0 req/s, completed 9.1 req/s): the queue kept growing;"
                + " latencies at this rate are not steady-state", s.reason());
    }

    @Test
    void growingTtftAloneIsAnOverload() {
        // One token each, at 100i + 10 + 10i: TTFT 10 + 10i grows 10 ms per request. Completions every 110 ms
        // keep within the ratio (10 / 11 = 0.909 ≥ 0.9): rule 1 holds. Median TTFT 55 ms (i = 4.5) then 355 ms
        // (i = 34.5): more than 2× and 300 ms more.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(done(i, 100 * i, 16, 100 * i + 10 + 10 * i));
        }
        SustainedLoad s = SustainedLoad.check(10, records);
        assertEquals(Status.OVERLOADED, s.status());
        assertEquals(10, s.arrivalRate(), EPS);
        assertEquals(20.0 / 2.2, s.completionRate(), EPS);
        assertEquals("offered 10.0 req/s (median TTFT 55 ms in the first quarter of arrivals, 355 ms in the last):"
                + " the queue kept growing; latencies at this rate are not steady-state", s.reason());
    }

    @Test
    void aSmallTtftDriftIsNotAnOverload() {
        // TTFT 2 + 0.1i ms: median 2.45 then 5.45, more than 2× but only 3 ms more, under the 100 ms guard.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(done(i, 100 * i, 16, 100 * i + 2 + 0.1 * i));
        }
        SustainedLoad s = SustainedLoad.check(10, records);
        assertEquals(Status.STEADY, s.status());
        assertEquals(5.45, s.lastQuarterTtftMs(), 1e-6);
        assertTrue(s.lastQuarterTtftMs() > SustainedLoad.TTFT_GROWTH_RATIO * s.firstQuarterTtftMs());
    }

    @Test
    void aLargeButLessThanDoubleTtftRiseIsNotAnOverload() {
        // One request per second, TTFT 1000 + 30i ms: median 1135 then 2035, 900 ms more but only 1.79×.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(done(i, 1000 * i, 16, 1000 * i + 1000 + 30 * i));
        }
        SustainedLoad s = SustainedLoad.check(1, records);
        assertEquals(Status.STEADY, s.status());
        assertEquals(2035, s.lastQuarterTtftMs(), EPS);
        assertTrue(s.lastQuarterTtftMs() - s.firstQuarterTtftMs() > SustainedLoad.STALL_MS);
    }

    @Test
    void aRunThatIsMostlyDrainIsAnOverloadEvenWhenCompletionsCluster() {
        // 40 requests every 62.5 ms (16 req/s, arrivals over 2.4375 s), all admitted at once and served in one slow
        // batch: first tokens at 5.0 to 5.39 s after the start, so the TTFTs do not grow (median 4764 ms in the
        // first quarter, 3189 ms in the last), and all complete within 12.0 to 12.39 s, so the middle half of the
        // completions runs faster than the arrivals (100 req/s). But three quarters completed only after 12.29 s,
        // more than twice the 2.44 s of arrivals: the engine served about 3 requests per second of the 16 offered.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double at = 62.5 * i;
            records.add(done(i, at, 16, 5000 + 10 * i, 12000 + 10 * i));
        }
        SustainedLoad s = SustainedLoad.check(16, records);
        assertEquals(Status.OVERLOADED, s.status());
        assertTrue(s.reason().contains("all arrived within 2.44 s, three quarters completed only after 12.29 s"),
                s.reason());
        // The same requests arriving over 10 s (4 req/s), each served in 400 ms: steady.
        List<RequestRecord> steady = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double at = 250.0 * i;
            steady.add(done(i, at, 16, at + 100, at + 400));
        }
        assertEquals(Status.STEADY, SustainedLoad.check(4, steady).status());
    }

    @Test
    void oneLongRequestAtTheEndIsNotAnOverload() {
        // 20 requests every 100 ms (10 req/s), each done 50 ms after arriving, except the last, which takes 5 s.
        // First to last completion is 6.85 s for 19 intervals (2.8 req/s): whole-run rates would call this an
        // overload. The middle half (completions 5..15, at 550..1550 ms) completes at 10 req/s. The nominal
        // 12.5 req/s differs from the 10 that arrived; only the arrivals are compared.
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(done(i, 100 * i, 16, 100 * i + 30, 100 * i + (i == 19 ? 5000 : 50)));
        }
        SustainedLoad s = SustainedLoad.check(12.5, records);
        assertEquals(Status.STEADY, s.status());
        assertEquals(10, s.arrivalRate(), EPS);
        assertEquals(10, s.completionRate(), EPS);
        assertEquals("offered 12.5 req/s (arrived at 10.0 req/s, completed 10.0 req/s; median TTFT 30 ms in the"
                + " first quarter of arrivals, 30 ms in the last): no sign of a growing queue", s.reason());
    }

    @Test
    void requestsThatNeverStartedCountAsUnboundedTtft() {
        // The overloaded run above, ended at 2050 ms: requests 0..19 complete, 20 has its first token, 21..39
        // none. Fewer than 31 completions: rule 1 is not applied. The last quarter never started: rule 2 fires.
        List<RequestRecord> records = fifo(40, 20, 40, 20, 4, 2050);
        assertEquals(20, ServingMetrics.of(records).completed());
        SustainedLoad s = SustainedLoad.check(20, records);
        assertEquals(Status.OVERLOADED, s.status());
        assertTrue(Double.isNaN(s.completionRate()));
        assertEquals(Double.POSITIVE_INFINITY, s.lastQuarterTtftMs());
        assertTrue(s.reason().contains("265 ms in the first quarter of arrivals, unbounded (most got no first token"
                + " before the run ended) in the last"), s.reason());
    }

    @Test
    void everyRequestAtOnceIsAnOverload() {
        // An infinite rate: all 10 arrive at 0 and are served one after another.
        SustainedLoad s = SustainedLoad.check(Double.POSITIVE_INFINITY,
                fifo(10, Double.POSITIVE_INFINITY, 40, 20, 4));
        assertEquals(Status.OVERLOADED, s.status());
        assertTrue(s.reason().startsWith("offered every request at once"), s.reason());
    }

    @Test
    void closedLoopsAreNotJudgedAndTooFewRequestsAreTooShort() {
        SustainedLoad closed = SustainedLoad.check(Double.NaN, fifo(40, 20, 40, 20, 4));
        assertEquals(Status.NOT_JUDGED, closed.status());
        assertTrue(closed.reason().startsWith("closed loop"), closed.reason());
        assertEquals(Optional.empty(), closed.warning());

        SustainedLoad seven = SustainedLoad.check(20, fifo(7, 20, 40, 20, 4));
        assertEquals(Status.TOO_SHORT, seven.status());
        assertEquals(Optional.empty(), seven.warning());
        assertEquals("only 7 requests: at least 8 are needed to judge whether the load was sustained",
                seven.reason());
        // Eight of the same overload are enough: arrivals 2..6 span 200 ms, completions 400 ms.
        SustainedLoad eight = SustainedLoad.check(20, fifo(8, 20, 40, 20, 4));
        assertEquals(Status.OVERLOADED, eight.status());
        assertEquals(10, eight.completionRate(), EPS);
    }

    /**
     * {@code n} requests every {@code gapMs}, each served in 3 ms (first token after 1 ms, 4 tokens), except that
     * the host stops for {@code stallMs} from {@code stallAtMs}: what is under way then finishes that much later,
     * and what arrives during it is served when it ends.
     */
    private static List<RequestRecord> stalled(int n, double gapMs, double stallAtMs, double stallMs) {
        List<RequestRecord> out = new ArrayList<>();
        double stallEnd = stallAtMs + stallMs;
        for (int i = 0; i < n; i++) {
            double at = gapMs * i;
            double start = at >= stallAtMs && at < stallEnd ? stallEnd : at;
            double late = start < stallAtMs && start + 3 > stallAtMs ? stallMs : 0;
            out.add(done(i, at, 16, start + 1 + late, start + 1.5 + late, start + 2 + late, start + 3 + late));
        }
        return out;
    }

    @Test
    void aPauseOfTheHostInAShortRunIsTooShortToJudgeNotAnOverload() {
        // 30 requests 5 ms apart (200 req/s), served in 3 ms each: the engine keeps up. A 30 ms pause of the host
        // at 95 ms holds requests 19..24 until 128 ms, so the middle half of the completions (the 7th to the 22nd)
        // spans 90 ms for the arrivals' 75: 166.7 req/s against 200, below the 0.9 ratio. Judged on the ratio
        // alone, this was OVERLOADED, and an identical run without the pause steady: the verdict flipped on one
        // pause of the host.
        List<RequestRecord> records = stalled(30, 5, 95, 30);
        SustainedLoad s = SustainedLoad.check(200, records);
        assertTrue(s.completionRate() < SustainedLoad.MIN_COMPLETION_RATIO * s.arrivalRate(),
                "the ratio alone would fire: " + s);
        assertEquals(Status.TOO_SHORT, s.status(), s.reason());
        assertEquals(Optional.empty(), s.warning());
        // 75 ms of middle half, 0.9 s needed: 1.8 s of arrivals at 200 req/s, 360 requests and 2 for rounding.
        assertTrue(s.reason().endsWith(": too short to judge: the middle half of the arrivals lasted 0.08 s, and"
                + " at least 0.9 s is needed to tell a growing queue from a pause of the host (about 362 requests"
                + " at this rate)"), s.reason());
        assertTrue(s.reason().startsWith("offered 200.0 req/s (arrived at 200.0 req/s, completed 166.7 req/s;"),
                s.reason());
        // The same run without the pause is too short to call steady, too: nothing could have been seen.
        assertEquals(Status.TOO_SHORT, SustainedLoad.check(200, stalled(30, 5, 1e9, 0)).status());
    }

    @Test
    void aPauseOfTheHostInALongEnoughRunIsSteady() {
        // The same load for 400 requests (2 s of arrivals, a middle half of 1 s) with the same pause: steady.
        SustainedLoad s = SustainedLoad.check(200, stalled(400, 5, 1000, 30));
        assertEquals(Status.STEADY, s.status(), s.reason());
        // 0.9 s is the time over which completions at 0.9 × the arrivals fall one 100 ms pause behind.
        assertEquals(SustainedLoad.STALL_MS / 1e3 * SustainedLoad.MIN_COMPLETION_RATIO
                / (1 - SustainedLoad.MIN_COMPLETION_RATIO), SustainedLoad.MIN_JUDGED_SECONDS, 1e-12);
        // A long pause, 150 ms, in the middle half of a short run: the queue grew by more than any pause the
        // rules ignore, so rule 1 fires whatever the run's length.
        SustainedLoad stopped = SustainedLoad.check(200, stalled(30, 5, 95, 150));
        assertEquals(Status.OVERLOADED, stopped.status(), stopped.reason());
        // Every request at once, each served in 3 ms: nothing fell behind, and no time passed to judge it in.
        SustainedLoad atOnce = SustainedLoad.check(Double.POSITIVE_INFINITY, stalled(10, 0, 1e9, 0));
        assertEquals(Status.TOO_SHORT, atOnce.status(), atOnce.reason());
        assertTrue(atOnce.reason().endsWith("(its requests arrived all at once)"), atOnce.reason());
    }

    @Test
    void badInputIsRefused() {
        List<RequestRecord> records = fifo(10, 5, 40, 20, 4);
        assertThrows(IllegalArgumentException.class, () -> SustainedLoad.check(0, records));
        assertThrows(IllegalArgumentException.class, () -> SustainedLoad.check(-1, records));
        assertThrows(IllegalArgumentException.class, () -> SustainedLoad.check(Double.NEGATIVE_INFINITY, records));
        assertThrows(IllegalArgumentException.class, () -> SustainedLoad.check(5, List.of()));
    }
}

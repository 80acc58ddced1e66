package dev.tokenmeter.serving.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.metrics.SloSearch.Result;
import dev.tokenmeter.serving.metrics.SloSearch.Stop;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search on latency models whose answer is known in closed form. */
class SloSearchTest {
    private static final double EPS = 1e-9;

    /**
     * M/M/1 with service rate μ = 10 req/s: the time in system is exponential with rate μ − λ, so its p99 is
     * ln(100) / (μ − λ) seconds (unbounded from λ = μ on). Held to p99 ≤ 1 s, the highest passing rate is
     * λ* = 10 − ln(100) = 5.3948 req/s.
     */
    private static final double MU = 10;
    private static final double ANSWER = MU - Math.log(100);
    private static final SloSearch.Probe MM1 = rate -> ProbedRate.verdict(rate,
            rate < MU && Math.log(100) / (MU - rate) <= 1.0);

    private static double[] rates(Result r) {
        return r.points().stream().mapToDouble(ProbedRate::offeredRate).toArray();
    }

    @Test
    void betweenBisectsToTheTolerance() {
        // 1 passes, 9 fails; then 5 pass, 7 fail, 6 fail, 5.5 fail, 5.25 pass: width 0.25 / 5.25 = 4.8% ≤ 5%.
        Result r = SloSearch.defaults().between(MM1, 1, 9);
        assertEquals(Stop.CONVERGED, r.stop());
        assertEquals(List.of(1.0, 9.0, 5.0, 7.0, 6.0, 5.5, 5.25), boxed(rates(r)));
        assertEquals(5.25, r.highestPassing(), EPS);
        assertEquals(5.5, r.lowestFailing(), EPS);
        assertTrue(r.highestPassing() <= ANSWER && ANSWER < r.lowestFailing(), "answer inside the bracket");
        assertTrue(r.relativeWidth() <= SloSearch.DEFAULT_TOLERANCE, "width " + r.relativeWidth());
        assertSame(r.points().get(6), r.best());
    }

    @Test
    void upFromDoublesThenBisects() {
        // 0.5, 1, 2, 4 pass, 8 fails; then 6 fail, 5 pass, 5.5 fail, 5.25 pass.
        Result r = SloSearch.defaults().upFrom(MM1, 0.5, 100);
        assertEquals(Stop.CONVERGED, r.stop());
        assertEquals(List.of(0.5, 1.0, 2.0, 4.0, 8.0, 6.0, 5.0, 5.5, 5.25), boxed(rates(r)));
        assertTrue(r.highestPassing() <= ANSWER && ANSWER < r.lowestFailing());
        assertTrue(r.relativeWidth() <= 0.05);
    }

    @Test
    void aTighterToleranceNarrowsTheBracketAroundTheAnswer() {
        Result r = new SloSearch(0.001, 40).upFrom(MM1, 0.01, 1000);
        assertEquals(Stop.CONVERGED, r.stop());
        assertTrue(r.highestPassing() <= ANSWER && ANSWER < r.lowestFailing());
        assertTrue(r.relativeWidth() <= 0.001, "width " + r.relativeWidth());
        assertEquals(ANSWER, r.highestPassing(), 0.001 * ANSWER);
    }

    @Test
    void theDefaultsReachFivePercentFrom64TimesBelow() {
        Result r = SloSearch.defaults().upFrom(MM1, ANSWER / 64.5, 1e6);
        assertEquals(Stop.CONVERGED, r.stop());
        assertTrue(r.points().size() <= SloSearch.DEFAULT_MAX_PROBES, r.points().size() + " probes");
    }

    @Test
    void aFailingLowestRateIsReported() {
        Result between = SloSearch.defaults().between(MM1, 6, 9);
        assertEquals(Stop.LOWEST_FAILS, between.stop());
        assertTrue(Double.isNaN(between.highestPassing()));
        assertEquals(6, between.lowestFailing(), EPS);
        assertEquals(1, between.points().size());
        assertNull(between.best());

        Result up = SloSearch.defaults().upFrom(MM1, 6, 100);
        assertEquals(Stop.LOWEST_FAILS, up.stop());
        assertEquals(1, up.points().size());
    }

    @Test
    void aPassingCapIsReported() {
        Result between = SloSearch.defaults().between(MM1, 1, 4);
        assertEquals(Stop.CAP_PASSES, between.stop());
        assertEquals(4, between.highestPassing(), EPS);
        assertTrue(Double.isNaN(between.lowestFailing()));
        assertTrue(Double.isNaN(between.relativeWidth()));

        // Doubling stops at the cap, not at the next power of two: 0.5, 1, 2, 3.
        Result up = SloSearch.defaults().upFrom(MM1, 0.5, 3);
        assertEquals(Stop.CAP_PASSES, up.stop());
        assertEquals(List.of(0.5, 1.0, 2.0, 3.0), boxed(rates(up)));
        assertEquals(3, up.highestPassing(), EPS);
    }

    @Test
    void theProbeBudgetEndsTheSearch() {
        // 1, 9, 5 (pass), 7 (fail), then the fifth probe is not allowed: [5, 7] is wider than 0.1%.
        Result r = new SloSearch(0.001, 4).between(MM1, 1, 9);
        assertEquals(Stop.MAX_PROBES, r.stop());
        assertEquals(4, r.points().size());
        assertEquals(5, r.highestPassing(), EPS);
        assertEquals(7, r.lowestFailing(), EPS);

        // While doubling: 0.5, 1, 2 pass and the budget of 3 is spent before a failure.
        Result up = new SloSearch(0.05, 3).upFrom(MM1, 0.5, 100);
        assertEquals(Stop.MAX_PROBES, up.stop());
        assertEquals(2, up.highestPassing(), EPS);
        assertTrue(Double.isNaN(up.lowestFailing()));
    }

    /**
     * A measured probe over {@link Timelines#fifo} (one server, 100 ms per request, 10 req/s at most; 40 requests)
     * held to TTFT p99 ≤ 1 s. Above capacity, request i waits i · w with w = 100 − 1000 / λ ms. Up to λ = 13.3
     * even the p99 TTFT (40 + 0.99 · 39 · w ms) stays under 1 s, so the SLO alone would pass that far; but the
     * median TTFT of the last quarter (40 + 34.5w) exceeds the first's (40 + 4.5w) by 30w, more than 100 ms once
     * w > 10/3 ms, i.e. λ > 1000 / (100 − 10/3) = 10.345 req/s: the sustained-load rule sets the answer.
     */
    @Test
    void aMeasuredProbeFailsRatesTheEngineCannotSustain() {
        SloSet slo = SloSet.parse("ttft:p99=1s");
        SloSearch.Probe probe = rate -> {
            List<RequestRecord> records = Timelines.fifo(40, rate, 40, 20, 4);
            ServingMetrics m = ServingMetrics.of(records);
            return ProbedRate.of(rate, m, SloReport.of(m, slo), SustainedLoad.check(rate, records));
        };
        double answer = 1000 / (100 - 10.0 / 3);
        Result r = SloSearch.defaults().upFrom(probe, 1, 64);
        assertEquals(Stop.CONVERGED, r.stop());
        assertTrue(r.highestPassing() <= answer && answer < r.lowestFailing(),
                "[" + r.highestPassing() + ", " + r.lowestFailing() + "]");
        ProbedRate failing = r.points().stream().filter(p -> p.offeredRate() == r.lowestFailing()).findFirst()
                .orElseThrow();
        assertTrue(failing.slo().meetsSlo(), "the percentile check alone passes it");
        assertEquals(SustainedLoad.Status.OVERLOADED, failing.load().status());
        assertFalse(failing.meetsSlo());
        assertEquals(SustainedLoad.Status.STEADY, r.best().load().status());
    }

    @Test
    void badArgumentsAndProbesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SloSearch(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new SloSearch(1, 10));
        assertThrows(IllegalArgumentException.class, () -> new SloSearch(Double.NaN, 10));
        assertThrows(IllegalArgumentException.class, () -> new SloSearch(0.05, 1));
        SloSearch s = SloSearch.defaults();
        assertThrows(IllegalArgumentException.class, () -> s.between(MM1, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> s.between(MM1, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> s.between(MM1, 1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> s.upFrom(MM1, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> s.upFrom(MM1, Double.NaN, 2));
        assertThrows(NullPointerException.class, () -> s.between(rate -> null, 1, 2));
        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> s.between(rate -> ProbedRate.verdict(rate + 1, true), 1, 2));
        assertTrue(wrong.getMessage().contains("asked the probe for 1.0 req/s"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProbedRate.verdict(0, true));
    }

    private static List<Double> boxed(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    /**
     * A search stopped part-way still has a bracket: the probes of {@link #betweenBisectsToTheTolerance} cut after
     * the fifth (1, 9, 5 passed or not, then 7 and 6 failed) say [5, 6], as a finished search would have held then.
     */
    @Test
    void theBracketSoFarIsWhatTheProbesMeasuredSay() {
        List<ProbedRate> all = SloSearch.defaults().between(MM1, 1, 9).points();
        Result sofar = SloSearch.bracket(all.subList(0, 5));
        assertEquals(Stop.STOPPED_EARLY, sofar.stop());
        assertEquals(5.0, sofar.highestPassing(), EPS);
        assertEquals(6.0, sofar.lowestFailing(), EPS);
        assertEquals(5, sofar.points().size());
        // Only the lowest rate, which failed: no passing rate, the failing one named; nothing yet: neither.
        Result failed = SloSearch.bracket(List.of(ProbedRate.verdict(1, false)));
        assertTrue(Double.isNaN(failed.highestPassing()));
        assertEquals(1.0, failed.lowestFailing(), EPS);
        Result none = SloSearch.bracket(List.of());
        assertTrue(Double.isNaN(none.highestPassing()) && Double.isNaN(none.lowestFailing()));
        // A failure below a pass (noise near the answer) bounds nothing above the pass.
        Result noisy = SloSearch.bracket(List.of(ProbedRate.verdict(2, false), ProbedRate.verdict(3, true)));
        assertEquals(3.0, noisy.highestPassing(), EPS);
        assertTrue(Double.isNaN(noisy.lowestFailing()));
    }
}

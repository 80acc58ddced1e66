package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.ServingFixtures.SLO;
import static dev.tokenmeter.compare.ServingFixtures.point;
import static dev.tokenmeter.compare.ServingFixtures.result;
import static dev.tokenmeter.compare.ServingFixtures.spec;
import static dev.tokenmeter.compare.ServingFixtures.sweep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSpec;
import dev.tokenmeter.result.ServingSummary;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Serving comparisons of hand-built results: matching, refusals, metric differences, verdict changes, the gate. */
class ServingComparerTest {
    private static final String RATE = ServingPointResult.RATE;
    private static final String SEARCH = ServingPointResult.SEARCH;

    private static ServingComparison compare(Result a, Result b) {
        return new ServingComparer(false).compare("a.json", a, "b.json", b);
    }

    private static Result withPoints(ServingPointResult... points) {
        List<Double> rates = Arrays.stream(points).map(ServingPointResult::offeredRate).toList();
        return result(spec(RATE, rates), List.of(points));
    }

    private static ServingSpec withSpec(ServingSpec s, String promptLength, int maxTokensPerStep, int kvBlockSize,
            double burstiness) {
        return new ServingSpec(s.mode(), s.rates(), burstiness, s.concurrencies(), s.trace(), s.traceScale(),
                s.searchLow(), s.searchHigh(), s.requests(), promptLength, s.outputLength(), s.slo(), s.maxSequences(),
                maxTokensPerStep, kvBlockSize, s.kvBlocks(), s.warmupRequests(), s.maxDurationSeconds());
    }

    @Test
    void pointsAreMatchedByModeAndLabelAndTheRestListed() {
        ServingComparison c = compare(sweep(1.0, 1, 2, 4), sweep(1.0, 8, 4, 2));
        assertEquals(List.of("rate 2.00", "rate 4.00"), c.points().stream().map(p -> p.point().toString()).toList(),
                "the baseline's order");
        assertEquals(List.of(new ServingPointKey(RATE, "rate 1.00")), c.onlyInBaseline());
        assertEquals(List.of(new ServingPointKey(RATE, "rate 8.00")), c.onlyInCandidate());
        assertNull(c.search(), "no search on either side");

        // A closed loop of 8 is not the rate 8 of another file, though both say 8.
        Result closed = result(spec(ServingPointResult.CONCURRENCY, List.of()), List.of(point("concurrency 8",
                ServingPointResult.CONCURRENCY, Double.NaN, 8, 1.0, "NOT_JUDGED", SLO, 0)));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new ServingComparer(true).compare("a.json", sweep(1.0, 8), "b.json", closed));
        assertEquals("a.json and b.json have no point in common: a.json has rate 8.00; b.json has concurrency 8",
                none.getMessage());
    }

    @Test
    void searchProbesMatchByTheirOfferedRate() {
        // Both bisections start at the bracket's ends and agree while their verdicts do; here they part after 2.25.
        Result a = result(spec(SEARCH, List.of()), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.0, "STEADY"),
                point(SEARCH, 3.125, 1.0, "OVERLOADED")));
        Result b = result(spec(SEARCH, List.of()), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.2, "STEADY"),
                point(SEARCH, 3.125, 1.0, "STEADY")));
        ServingComparison c = compare(a, b);
        assertEquals(List.of("search 0.500", "search 4.00", "search 2.25", "search 3.13"),
                c.points().stream().map(p -> p.point().label()).toList());
        assertEquals(2.25, c.search().baselineHighestPassing());
        assertEquals(3.125, c.search().candidateHighestPassing());
        assertEquals(3.125 / 2.25 - 1, c.search().relativeChange(), 1e-12);
        assertEquals(Verdict.IMPROVEMENT, c.points().get(3).verdict(), "3.13 is no longer overloaded");

        Result lost = result(spec(SEARCH, List.of()), List.of(point(SEARCH, 0.5, 2.0, "STEADY"),
                point(SEARCH, 4, 2.0, "OVERLOADED")));
        assertTrue(Double.isNaN(compare(a, lost).search().candidateHighestPassing()), "no probe passed");
    }

    @Test
    void everyMetricIsASingleValueAndNeverTested() {
        ServingComparison c = compare(sweep(1.0, 2), sweep(1.25, 2));
        ServingPointChange p = c.points().get(0);
        assertEquals(List.of(ServingMetric.values()), p.changes().stream().map(ServingChange::metric).toList());
        for (ServingChange m : p.changes()) {
            assertEquals(Verdict.NOT_TESTED, m.verdict(), m.toString());
            assertEquals((m.candidate() - m.baseline()) / m.baseline(), m.relativeChange(), 1e-12, m.toString());
        }
        ServingChange ttft = p.changes().get(ServingMetric.TTFT_P99.ordinal());
        assertEquals(800, ttft.baseline(), 1e-9);
        assertEquals(1000, ttft.candidate(), 1e-9);
        assertEquals(0.25, ttft.relativeChange(), 1e-12);
        assertEquals(0.25, ttft.worsening(), 1e-12, "a higher latency is worse");
        ServingChange rate = p.changes().get(ServingMetric.REQUESTS_PER_SECOND.ordinal());
        assertEquals(0, rate.relativeChange(), 1e-12, "steady at the offered rate on both sides");
        // 25% slower, still within the SLOs on both sides: large differences, no verdict change, the gate passes.
        assertEquals(Verdict.UNCHANGED, p.verdict());
        assertTrue(c.regressions().isEmpty());
        assertTrue(new RegressionGate(0).passes(c), "untested differences never fail the gate");
        assertEquals(9, c.changes().size());
    }

    @Test
    void goodputIsComparedOnlyUnderTheSameSlosAndUndefinedMetricsAreLeftOut() {
        ServingPointResult withSlo = point(RATE, 2, 1.0, "STEADY");
        ServingPointResult without = point("rate 2.00", RATE, 2, 0, 1.0, "STEADY", null, 0);
        ServingComparison c = new ServingComparer(true).compare("a.json", withPoints(withSlo), "b.json",
                withPoints(without));
        assertFalse(c.points().get(0).changes().stream().anyMatch(m -> m.metric() == ServingMetric.GOODPUT));
        assertFalse(c.points().get(0).sameSlos());
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict(), "a side without SLOs has no SLO verdict to lose");

        ServingComparison single = compare(withPoints(oneTokenPoint()), withPoints(oneTokenPoint()));
        assertEquals(List.of(ServingMetric.REQUESTS_PER_SECOND, ServingMetric.OUTPUT_TOKENS_PER_SECOND,
                ServingMetric.TTFT_P50, ServingMetric.TTFT_P99, ServingMetric.E2E_P99, ServingMetric.GOODPUT),
                single.points().get(0).changes().stream().map(ServingChange::metric).toList(),
                "no TPOT or ITL when every request had one output token");
    }

    /** A point whose requests all had one output token: no TPOT, ITL or interactivity recorded. */
    private static ServingPointResult oneTokenPoint() {
        ServingPointResult p = point(RATE, 2, 1.0, "STEADY");
        ServingSummary m = p.metrics();
        ServingSummary oneToken = new ServingSummary(m.completed(), m.incomplete(), m.inputTokens(), m.completed(),
                m.durationSeconds(), m.requestsPerSecond(), m.inputTokensPerSecond(), m.requestsPerSecond(),
                m.inputTokensPerSecond() + m.requestsPerSecond(), m.ttftMs(), null, null, m.e2eMs(), null);
        return new ServingPointResult(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                p.promptLength(), "1", p.steps(), p.preemptions(), oneToken, p.slo(), p.load(), p.cost());
    }

    @Test
    void aPointThatStopsMeetingItsSlosIsARegression() {
        // Latency x2: TPOT p99 120 ms > 100 ms.
        ServingComparison c = compare(sweep(1.0, 1, 2), withPoints(point(RATE, 1, 1.0, "STEADY"),
                point(RATE, 2, 2.0, "STEADY")));
        ServingPointChange p = c.points().get(1);
        assertTrue(p.baseline().passes() && !p.candidate().passes());
        assertTrue(p.stoppedMeetingSlos() && !p.becameOverloaded());
        assertEquals(Verdict.REGRESSION, p.verdict());
        assertEquals(List.of(p), c.regressions());
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict());
    }

    @Test
    void aPointThatBecomesOverloadedIsARegressionEvenWithinItsSlos() {
        ServingComparison c = compare(sweep(1.0, 4), withPoints(point(RATE, 4, 1.0, "OVERLOADED")));
        ServingPointChange p = c.points().get(0);
        assertTrue(p.candidate().slo().meetsSlo(), "the SLOs still hold at their percentiles");
        assertTrue(p.becameOverloaded() && !p.stoppedMeetingSlos());
        assertEquals(Verdict.REGRESSION, p.verdict());

        // Without SLOs there is no pass or fail, but overload still counts.
        ServingPointResult steady = point("rate 4.00", RATE, 4, 0, 1.0, "STEADY", null, 0);
        ServingPointResult over = point("rate 4.00", RATE, 4, 0, 1.0, "OVERLOADED", null, 0);
        Result noSloA = result(withoutSlo(spec(RATE, List.of(4.0))), List.of(steady));
        Result noSloB = result(withoutSlo(spec(RATE, List.of(4.0))), List.of(over));
        assertEquals(Verdict.REGRESSION, compare(noSloA, noSloB).points().get(0).verdict());
        assertEquals(Verdict.IMPROVEMENT, compare(noSloB, noSloA).points().get(0).verdict());
        assertEquals(Verdict.UNCHANGED, compare(noSloB, noSloB).points().get(0).verdict(), "overloaded on both sides");
    }

    private static ServingSpec withoutSlo(ServingSpec s) {
        return new ServingSpec(s.mode(), s.rates(), s.burstiness(), s.concurrencies(), s.trace(), s.traceScale(),
                s.searchLow(), s.searchHigh(), s.requests(), s.promptLength(), s.outputLength(), null,
                s.maxSequences(), s.maxTokensPerStep(), s.kvBlockSize(), s.kvBlocks(), s.warmupRequests(),
                s.maxDurationSeconds());
    }

    @Test
    void aPointThatStartsPassingIsAnImprovementAndFailingOnBothSidesIsUnchanged() {
        Result failing = withPoints(point(RATE, 2, 2.0, "STEADY"));
        Result passing = withPoints(point(RATE, 2, 1.0, "STEADY"));
        ServingPointChange better = compare(failing, passing).points().get(0);
        assertTrue(better.startedMeetingSlos());
        assertEquals(Verdict.IMPROVEMENT, better.verdict());
        ServingComparison worseButFailingAlready = compare(failing, withPoints(point(RATE, 2, 3.0, "STEADY")));
        assertEquals(Verdict.UNCHANGED, worseButFailingAlready.points().get(0).verdict(),
                "it failed in the baseline already: 50% slower is a difference, not a verdict change");
        assertTrue(new RegressionGate(0).passes(worseButFailingAlready));
    }

    @Test
    void theGateFailsOnVerdictRegressionsOnlyWhateverItsThreshold() {
        ServingComparison c = compare(sweep(1.0, 1, 2, 4), withPoints(point(RATE, 1, 1.5, "STEADY"),
                point(RATE, 2, 2.0, "STEADY"), point(RATE, 4, 1.0, "OVERLOADED")));
        for (double threshold : new double[] {0, 0.03, 10}) {
            RegressionGate gate = new RegressionGate(threshold);
            assertFalse(gate.passes(c), "threshold " + threshold);
            assertEquals(List.of("rate 2.00", "rate 4.00"), gate.failures(c).stream()
                    .map(p -> p.point().label()).toList(), "table order; rate 1.00 is 50% slower but still passes");
        }
        assertTrue(new RegressionGate(0).passes(compare(sweep(1.0, 1, 2, 4), sweep(1.6, 1, 2, 4))),
                "60% slower everywhere, every point still within its SLOs and steady");
    }

    @Test
    void aServingResultIsNeverComparedWithAnOfflineOne() {
        Result serving = sweep(1.0, 2);
        Result offline = CompareFixtures.result(1, 1.0);
        for (ServingComparer comparer : new ServingComparer[] {new ServingComparer(false), new ServingComparer(true)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> comparer.compare("s.json", serving, "o.json", offline));
            assertEquals("s.json is a serving result (tokenmeter serve) and o.json an offline one (tokenmeter run):"
                    + " their points have nothing to match; compare two results of the same scenario (forcing does"
                    + " not change this)", e.getMessage());
            assertFalse(e instanceof IncompatibleResultsException, "not a setup difference that --force overrides");
        }
        IllegalArgumentException reversed = assertThrows(IllegalArgumentException.class,
                () -> new Comparer(0.05, true).compare("o.json", offline, "s.json", serving));
        assertTrue(reversed.getMessage().startsWith("s.json is a serving result (tokenmeter serve) and o.json an"
                + " offline one"), reversed.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> Comparer.defaults().compare("a.json", serving, "b.json", serving));
        assertEquals("a.json and b.json are serving results; ServingComparer compares them", both.getMessage());
    }

    @Test
    void differentSetupsAreRefusedNamingEveryDifferenceUnlessForced() {
        Result a = sweep(1.0, 2);
        ServingSpec changed = withSpec(spec(RATE, List.of(2.0)), "64:256", 2048, 32, 1.0);
        Result b = ServingFixtures.result(ModelPresets.get("tiny"), 7, changed, a.servingPoints());
        IncompatibleResultsException e = assertThrows(IncompatibleResultsException.class, () -> compare(a, b));
        assertEquals(List.of("serving promptLength (--prompt-len): 128 in a.json, 64:256 in b.json",
                "serving maxTokensPerStep (--max-batch-tokens): 256 in a.json, 2048 in b.json",
                "serving kvBlockSize (--kv-block-size): 16 in a.json, 32 in b.json",
                "seed (--seed: the arrivals and lengths): 42 in a.json, 7 in b.json"), e.differences());

        ServingComparison forced = new ServingComparer(true).compare("a.json", a, "b.json", b);
        assertEquals(e.differences(), forced.differences());
        assertEquals("compared although the runs differ: serving promptLength (--prompt-len): 128 in a.json, 64:256"
                + " in b.json", forced.warnings().get(0));

        Result other = ServingFixtures.result(ModelPresets.get("llama-110m"), 42, spec(RATE, List.of(2.0)),
                a.servingPoints());
        assertTrue(assertThrows(IncompatibleResultsException.class, () -> compare(a, other)).differences().get(0)
                .startsWith("model: tiny in a.json, llama-110m in b.json"), "the offline checks apply too");
        Result bursty = result(withSpec(spec(RATE, List.of(2.0)), "128", 256, 16, 0.5), a.servingPoints());
        assertEquals(List.of("serving burstiness (--burstiness): 1.0 in a.json, 0.5 in b.json"),
                ServingComparer.differences("a.json", a, "b.json", bursty));
        Result slower = result(withoutSlo(spec(RATE, List.of(2.0))), a.servingPoints());
        assertEquals(List.of("serving slo (--slo): " + SLO + " in a.json, (not recorded) in b.json"),
                ServingComparer.differences("a.json", a, "b.json", slower));
    }

    @Test
    void whatAModeIgnoresAndWhatIsMatchedMayDiffer() {
        // Other rates swept, another search bracket, a burstiness the search does not use: no setup difference.
        assertTrue(ServingComparer.differences("A", sweep(1.0, 1, 2), "B", sweep(1.0, 2, 4)).isEmpty());
        ServingSpec s = spec(SEARCH, List.of());
        ServingSpec other = new ServingSpec(SEARCH, List.of(), 0.5, List.of(), null, 1.0, 1, 8, s.requests(),
                s.promptLength(), s.outputLength(), s.slo(), s.maxSequences(), s.maxTokensPerStep(), s.kvBlockSize(),
                s.kvBlocks(), 2, 60);
        List<ServingPointResult> probes = List.of(point(SEARCH, 2, 1.0, "STEADY"));
        assertTrue(ServingComparer.differences("A", result(s, probes), "B", result(other, probes)).isEmpty());
        // A replayed trace defines its own lengths and count: the options' values do not matter, the trace does.
        ServingSpec trace = new ServingSpec(ServingPointResult.TRACE, List.of(), 1.0, List.of(), "t.jsonl", 1.0, 0, 0,
                200, "128", "32", SLO, 64, 256, 16, 1024, 8, 600);
        ServingSpec traceOther = new ServingSpec(ServingPointResult.TRACE, List.of(), 1.0, List.of(), "u.jsonl", 1.0,
                0, 0, 10, "8", "4", SLO, 64, 256, 16, 1024, 8, 600);
        List<ServingPointResult> replayed = List.of(point("trace t.jsonl", ServingPointResult.TRACE, 3, 0, 1.0,
                "STEADY", SLO, 0));
        assertEquals(List.of("serving trace (--trace): t.jsonl in A, u.jsonl in B"), ServingComparer.differences("A",
                ServingFixtures.result(ModelPresets.get("tiny"), 42, trace, replayed), "B",
                ServingFixtures.result(ModelPresets.get("tiny"), 7, traceOther, replayed)));
    }

    @Test
    void malformedResultsAreNamed() {
        Result empty = result(spec(RATE, List.of(2.0)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> compare(empty, sweep(1, 2)));
        assertEquals("a.json: malformed result: a serving result without serving points", e.getMessage());
        Result twice = withPoints(point(RATE, 2, 1.0, "STEADY"), point(RATE, 2, 1.1, "STEADY"));
        e = assertThrows(IllegalArgumentException.class, () -> compare(sweep(1, 2), twice));
        assertEquals("b.json: malformed result: rate 2.00 is listed twice", e.getMessage());
    }

    @Test
    void unfinishedRequestsAndIncompleteRunsAreWarnedOf() {
        Result cut = withPoints(point("rate 2.00", RATE, 2, 0, 1.0, "STEADY", SLO, 3));
        Result stopped = new Result(cut.schemaVersion(), cut.tool(), cut.scenario(), cut.startedAt(), cut.finishedAt(),
                false, cut.spec(), cut.environment(), List.of(), cut.servingPoints(), List.of());
        ServingComparison c = compare(sweep(1.0, 2), stopped);
        assertEquals(List.of("b.json is an incomplete run (it stopped before all its points were measured)",
                "b.json, rate 2.00: 3 requests did not finish before the run ended (--max-duration) and are left out"
                        + " of its figures"), c.warnings());
    }
}

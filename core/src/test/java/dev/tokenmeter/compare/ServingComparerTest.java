package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.ServingFixtures.REQUESTS;
import static dev.tokenmeter.compare.ServingFixtures.SLO;
import static dev.tokenmeter.compare.ServingFixtures.closedSpec;
import static dev.tokenmeter.compare.ServingFixtures.point;
import static dev.tokenmeter.compare.ServingFixtures.rateSpec;
import static dev.tokenmeter.compare.ServingFixtures.result;
import static dev.tokenmeter.compare.ServingFixtures.searchSpec;
import static dev.tokenmeter.compare.ServingFixtures.sweep;
import static dev.tokenmeter.compare.ServingFixtures.withSpec;
import static dev.tokenmeter.compare.ServingFixtures.withoutSlo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.scenario.serving.ServingSummary;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Comparisons of hand-built serving results, whose points are single runs: matching, refusals, untested metric
 * differences, verdict changes, the gate.
 */
class ServingComparerTest {
    private static final ServingMode RATE = ServingMode.RATE;
    private static final ServingMode SEARCH = ServingMode.SEARCH;

    private static Comparison compare(Result a, Result b) {
        return Comparer.defaults().compare("a.json", a, "b.json", b);
    }

    private static Result withPoints(ServingPoint... points) {
        List<Double> rates = Arrays.stream(points).map(ServingPoint::offeredRate).toList();
        return result(rateSpec(rates), List.of(points));
    }

    private static List<MetricChange> changes(Comparison c, String point) {
        return c.changes().stream().filter(m -> m.point().equals(point)).toList();
    }

    private static MetricChange change(Comparison c, String point, String metric) {
        return changes(c, point).stream().filter(m -> m.metric().label().equals(metric)).findFirst().orElseThrow();
    }

    @Test
    void pointsAreMatchedByLabelAndTheRestListed() {
        Comparison c = compare(sweep(1.0, 1, 2, 4), sweep(1.0, 8, 4, 2));
        assertEquals("serving", c.scenario());
        assertEquals(List.of("point"), c.keyHeaders());
        assertEquals(List.of("rate 2.00", "rate 4.00"), c.points().stream().map(PointChange::point).toList(),
                "the baseline's order");
        assertEquals(List.of("rate 2.00", "rate 4.00"), c.changes().stream().map(MetricChange::point).distinct()
                .toList());
        assertEquals(List.of("rate 2.00"), changes(c, "rate 2.00").get(0).key());
        assertEquals(List.of("rate 1.00"), c.onlyInBaseline());
        assertEquals(List.of("rate 8.00"), c.onlyInCandidate());
        assertTrue(c.runFigures().isEmpty(), "no search on either side");

        // A closed loop of 8 is not the rate 8 of another file, though both say 8.
        Result closed = result(closedSpec(List.of(8)), List.of(point("concurrency 8", ServingMode.CONCURRENCY,
                Double.NaN, 8, 1.0, "NOT_JUDGED", SLO, 0)));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new Comparer(0.05, true).compare("a.json", sweep(1.0, 8), "b.json", closed));
        assertEquals("a.json and b.json have no point in common: a.json has (rate 8.00); b.json has (concurrency 8)",
                none.getMessage());
    }

    @Test
    void searchProbesMatchByTheirOfferedRate() {
        // Both bisections start at the bracket's ends and agree while their verdicts do; here they part after 2.25.
        Result a = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.0, "STEADY"),
                point(SEARCH, 3.125, 1.0, "OVERLOADED")));
        Result b = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.2, "STEADY"),
                point(SEARCH, 3.125, 1.0, "STEADY")));
        Comparison c = compare(a, b);
        assertEquals(List.of("search 0.500", "search 4.00", "search 2.25", "search 3.13"),
                c.points().stream().map(PointChange::point).toList());
        assertEquals(1, c.runFigures().size());
        Comparison.RunFigureChange search = c.runFigures().get(0);
        assertEquals("SLO search: highest rate that passed", search.label());
        assertEquals("req/s", search.unit());
        assertEquals(2.25, search.baseline());
        assertEquals(3.125, search.candidate());
        assertEquals(3.125 / 2.25 - 1, search.relativeChange(), 1e-12);
        assertEquals(Verdict.IMPROVEMENT, c.points().get(3).verdict(), "3.13 is no longer overloaded");

        Result lost = result(searchSpec(), List.of(point(SEARCH, 0.5, 2.0, "STEADY"),
                point(SEARCH, 4, 2.0, "OVERLOADED")));
        assertTrue(Double.isNaN(compare(a, lost).runFigures().get(0).candidate()), "no probe passed");
    }

    @Test
    void everyMetricIsASingleValueAndNeverTested() {
        Comparison c = compare(sweep(1.0, 2), sweep(1.25, 2));
        assertEquals(Significance.NOT_TESTED, c.significance());
        assertFalse(c.tested());
        assertEquals(ServingFixtures.METRICS, c.changes().stream().map(m -> m.metric().label()).toList());
        for (MetricChange m : c.changes()) {
            assertEquals(Verdict.NOT_TESTED, m.verdict(), m.toString());
            assertEquals(1, m.baselineTrials(), m.toString());
            assertEquals(1, m.candidateTrials(), m.toString());
            assertEquals(m.baselineMean(), m.baselineMedian(), 0, "one value: " + m);
            assertEquals((m.candidateMean() - m.baselineMean()) / m.baselineMean(), m.relativeChange(), 1e-12,
                    m.toString());
            assertTrue(Double.isNaN(m.pAdjusted()) && Double.isNaN(m.pWelch()) && Double.isNaN(m.relativeCiLow()),
                    m.toString());
            assertFalse(m.significant(), m.toString());
        }
        MetricChange ttft = change(c, "rate 2.00", "TTFT p99");
        assertEquals(800, ttft.baselineMean(), 1e-9);
        assertEquals(1000, ttft.candidateMean(), 1e-9);
        assertEquals(0.25, ttft.relativeChange(), 1e-12);
        assertEquals(0.25, ttft.worsening(), 1e-12, "a higher latency is worse");
        assertEquals(0, change(c, "rate 2.00", "req/s").relativeChange(), 1e-12,
                "steady at the offered rate on both sides");
        // 25% slower, still within the SLOs on both sides: large differences, no verdict change, the gate passes.
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict());
        assertTrue(c.regressions().isEmpty() && c.verdictRegressions().isEmpty());
        assertEquals(0, c.testedRows());
        assertTrue(new RegressionGate(0).passes(c), "untested differences never fail the gate");
        assertEquals(9, c.changes().size());
    }

    @Test
    void goodputIsComparedOnlyUnderTheSameSlosAndUndefinedMetricsAreLeftOut() {
        ServingPoint withSlo = point(RATE, 2, 1.0, "STEADY");
        ServingPoint without = point("rate 2.00", RATE, 2, 0, 1.0, "STEADY", null, 0);
        Comparison c = new Comparer(0.05, true).compare("a.json", withPoints(withSlo), "b.json",
                withPoints(without));
        assertFalse(c.changes().stream().anyMatch(m -> m.metric().label().equals("goodput")));
        assertEquals(8, c.changes().size(), "every other metric");
        assertFalse(c.points().get(0).sameSlos());
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict(), "a side without SLOs has no SLO verdict to lose");

        Comparison single = compare(withPoints(oneTokenPoint()), withPoints(oneTokenPoint()));
        assertEquals(List.of("req/s", "output tok/s", "TTFT p50", "TTFT p99", "E2E p99", "goodput"),
                single.changes().stream().map(m -> m.metric().label()).toList(),
                "no TPOT or ITL when every request had one output token");
    }

    /** A point whose requests all had one output token: no TPOT, ITL or interactivity recorded. */
    private static ServingPoint oneTokenPoint() {
        ServingPoint p = point(RATE, 2, 1.0, "STEADY");
        ServingSummary m = p.metrics();
        ServingSummary oneToken = new ServingSummary(m.completed(), m.incomplete(), m.inputTokens(), m.completed(),
                m.durationSeconds(), m.requestsPerSecond(), m.inputTokensPerSecond(), m.requestsPerSecond(),
                m.inputTokensPerSecond() + m.requestsPerSecond(), m.ttftMs(), null, null, m.e2eMs(), null);
        return new ServingPoint(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                p.promptLength(), "1", p.steps(), p.preemptions(), oneToken, p.slo(), p.load(), p.cost(), null, null,
                null, null, null);
    }

    @Test
    void aPointThatStopsMeetingItsSlosIsARegression() {
        // Latency x2: TPOT p99 120 ms > 100 ms.
        Comparison c = compare(sweep(1.0, 1, 2), withPoints(point(RATE, 1, 1.0, "STEADY"),
                point(RATE, 2, 2.0, "STEADY")));
        PointChange p = c.points().get(1);
        assertTrue(p.baseline().passes() && !p.candidate().passes());
        assertTrue(p.stoppedMeetingSlos() && !p.becameOverloaded());
        assertEquals(Verdict.REGRESSION, p.verdict());
        assertEquals(List.of(p), c.verdictRegressions());
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict());
    }

    @Test
    void aPointThatBecomesOverloadedIsARegressionEvenWithinItsSlos() {
        Comparison c = compare(sweep(1.0, 4), withPoints(point(RATE, 4, 1.0, "OVERLOADED")));
        PointChange p = c.points().get(0);
        assertTrue(p.candidate().meetsSlos(), "the SLOs still hold at their percentiles");
        assertTrue(p.becameOverloaded() && !p.stoppedMeetingSlos());
        assertEquals(Verdict.REGRESSION, p.verdict());

        // Without SLOs there is no pass or fail, but overload still counts.
        ServingPoint steady = point("rate 4.00", RATE, 4, 0, 1.0, "STEADY", null, 0);
        ServingPoint over = point("rate 4.00", RATE, 4, 0, 1.0, "OVERLOADED", null, 0);
        Result noSloA = result(withoutSlo(rateSpec(List.of(4.0))), List.of(steady));
        Result noSloB = result(withoutSlo(rateSpec(List.of(4.0))), List.of(over));
        assertEquals(Verdict.REGRESSION, compare(noSloA, noSloB).points().get(0).verdict());
        assertEquals(Verdict.IMPROVEMENT, compare(noSloB, noSloA).points().get(0).verdict());
        assertEquals(Verdict.UNCHANGED, compare(noSloB, noSloB).points().get(0).verdict(), "overloaded on both sides");
    }

    @Test
    void aPointThatStartsPassingIsAnImprovementAndFailingOnBothSidesIsUnchanged() {
        Result failing = withPoints(point(RATE, 2, 2.0, "STEADY"));
        Result passing = withPoints(point(RATE, 2, 1.0, "STEADY"));
        Comparison improved = compare(failing, passing);
        PointChange better = improved.points().get(0);
        assertTrue(better.startedMeetingSlos());
        assertEquals(Verdict.IMPROVEMENT, better.verdict());
        assertEquals(List.of(better), improved.verdictImprovements());
        Comparison worseButFailingAlready = compare(failing, withPoints(point(RATE, 2, 3.0, "STEADY")));
        assertEquals(Verdict.UNCHANGED, worseButFailingAlready.points().get(0).verdict(),
                "it failed in the baseline already: 50% slower is a difference, not a verdict change");
        assertTrue(new RegressionGate(0).passes(worseButFailingAlready));
    }

    @Test
    void theGateFailsOnVerdictRegressionsOnlyWhateverItsThreshold() {
        Comparison c = compare(sweep(1.0, 1, 2, 4), withPoints(point(RATE, 1, 1.5, "STEADY"),
                point(RATE, 2, 2.0, "STEADY"), point(RATE, 4, 1.0, "OVERLOADED")));
        for (double threshold : new double[] {0, 0.03, 10}) {
            RegressionGate gate = new RegressionGate(threshold);
            assertFalse(gate.passes(c), "threshold " + threshold);
            assertEquals(List.of("rate 2.00", "rate 4.00"), gate.verdictFailures(c).stream()
                    .map(PointChange::point).toList(), "table order; rate 1.00 is 50% slower but still passes");
            assertTrue(gate.failures(c).isEmpty(), "no metric difference is tested, so none fails");
        }
        assertTrue(new RegressionGate(0).passes(compare(sweep(1.0, 1, 2, 4), sweep(1.6, 1, 2, 4))),
                "60% slower everywhere, every point still within its SLOs and steady");
    }

    @Test
    void aServingResultIsNeverComparedWithAnOfflineOne() {
        Result serving = sweep(1.0, 2);
        Result offline = CompareFixtures.result(1, 1.0);
        for (Comparer comparer : new Comparer[] {new Comparer(0.05, false), new Comparer(0.05, true)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> comparer.compare("s.json", serving, "o.json", offline));
            assertEquals("s.json is a serving result and o.json an offline one: their points have nothing to match;"
                    + " compare two results of the same scenario (forcing does not change this)", e.getMessage());
            assertFalse(e instanceof IncompatibleResultsException, "not a setup difference that --force overrides");
            IllegalArgumentException reversed = assertThrows(IllegalArgumentException.class,
                    () -> comparer.compare("o.json", offline, "s.json", serving));
            assertEquals("o.json is an offline result and s.json a serving one: their points have nothing to match;"
                    + " compare two results of the same scenario (forcing does not change this)",
                    reversed.getMessage());
            assertFalse(reversed instanceof IncompatibleResultsException);
        }
        assertEquals(List.of("rate 2.00"), Comparer.defaults().compare(serving, serving).points().stream()
                .map(PointChange::point).toList(), "one Comparer compares serving results too");
    }

    @Test
    void differentSetupsAreRefusedNamingEveryDifferenceUnlessForced() {
        Result a = sweep(1.0, 2);
        List<ServingPoint> points = a.points(ServingPoint.class);
        ServingSpec changed = withSpec(rateSpec(List.of(2.0)), "64:256", 2048, 32, 1.0);
        Result b = result(ModelPresets.get("tiny"), 7, changed, points);
        IncompatibleResultsException e = assertThrows(IncompatibleResultsException.class, () -> compare(a, b));
        assertEquals(List.of("serving promptLength (--prompt-len): 128 in a.json, 64:256 in b.json",
                "serving maxTokensPerStep (--max-batch-tokens): 256 in a.json, 2048 in b.json",
                "serving kvBlockSize (--kv-block-size): 16 in a.json, 32 in b.json",
                "seed (--seed: the arrivals and lengths): 42 in a.json, 7 in b.json"), e.differences());

        Comparison forced = new Comparer(0.05, true).compare("a.json", a, "b.json", b);
        assertEquals(e.differences(), forced.differences());
        assertEquals("compared although the runs differ: serving promptLength (--prompt-len): 128 in a.json, 64:256"
                + " in b.json", forced.warnings().get(0));

        Result other = result(ModelPresets.get("llama-110m"), 42, rateSpec(List.of(2.0)), points);
        assertTrue(assertThrows(IncompatibleResultsException.class, () -> compare(a, other)).differences().get(0)
                .startsWith("model: tiny in a.json, llama-110m in b.json"), "the model checks apply too");
        Result bursty = result(withSpec(rateSpec(List.of(2.0)), "128", 256, 16, 0.5), points);
        assertEquals(List.of("serving burstiness (--burstiness): 1.0 in a.json, 0.5 in b.json"),
                Comparer.differences("a.json", a, "b.json", bursty));
        Result noSlo = result(withoutSlo(rateSpec(List.of(2.0))), points);
        assertEquals(List.of("serving slo (--slo): " + SLO + " in a.json, (not recorded) in b.json"),
                Comparer.differences("a.json", a, "b.json", noSlo));
    }

    @Test
    void whatAModeIgnoresAndWhatIsMatchedMayDiffer() {
        // Other rates swept, another search bracket, a burstiness the search does not use: no setup difference.
        assertTrue(Comparer.differences("A", sweep(1.0, 1, 2), "B", sweep(1.0, 2, 4)).isEmpty());
        ServingSpec s = searchSpec();
        ServingSpec other = new ServingSpec(SEARCH, List.of(), 0.5, List.of(), null, null, 1.0, 1, 8, 0, 0,
                s.requests(),
                s.promptLength(), s.outputLength(), s.slo(), s.maxSequences(), s.maxTokensPerStep(), s.kvBlockSize(),
                s.kvBlocks(), 2, 30, 60, 3);
        List<ServingPoint> probes = List.of(point(SEARCH, 2, 1.0, "STEADY"));
        assertTrue(Comparer.differences("A", result(s, probes), "B", result(other, probes)).isEmpty());
        // A replayed trace defines its own lengths and count: the options' values do not matter, the trace does.
        ServingSpec trace = traceSpec("t.jsonl", 200, 128, 32);
        ServingSpec traceOther = traceSpec("u.jsonl", 10, 8, 4);
        List<ServingPoint> replayed = List.of(point("trace t.jsonl", ServingMode.TRACE, 3, 0, 1.0, "STEADY", SLO, 0));
        assertEquals(List.of("serving trace (--trace): t.jsonl in A, u.jsonl in B"), Comparer.differences("A",
                result(ModelPresets.get("tiny"), 42, trace, replayed), "B",
                result(ModelPresets.get("tiny"), 7, traceOther, replayed)));
    }

    private static ServingSpec traceSpec(String trace, int requests, int promptLength, int outputLength) {
        return new ServingSpec(ServingMode.TRACE, List.of(), 1.0, List.of(), trace, null, 1.0, 0, 0, 0, 0, requests,
                LengthDistribution.fixed(promptLength), LengthDistribution.fixed(outputLength), SloSet.parse(SLO), 64,
                256, 16, 1024, 8, 0, 600, 1);
    }

    @Test
    void malformedResultsAreNamed() {
        Result empty = result(rateSpec(List.of(2.0)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> compare(empty, sweep(1, 2)));
        assertEquals("a.json and b.json have no point in common: a.json has no points; b.json has (rate 2.00)",
                e.getMessage());
        Result twice = withPoints(point(RATE, 2, 1.0, "STEADY"), point(RATE, 2, 1.1, "STEADY"));
        e = assertThrows(IllegalArgumentException.class, () -> compare(sweep(1, 2), twice));
        assertEquals("b.json: malformed result: rate 2.00 is listed twice", e.getMessage());
    }

    @Test
    void incompleteRunsAreWarnedOf() {
        Result stopped = result(ModelPresets.get("tiny"), 42, rateSpec(List.of(2.0)),
                List.of(point("rate 2.00", RATE, 2, 0, 1.0, "STEADY", SLO, 3)), false);
        Comparison c = compare(sweep(1.0, 2), stopped);
        assertEquals("b.json is an incomplete run (it stopped before all its points were measured)",
                c.warnings().get(0));
        // Its 3 unfinished requests are left out of its figures, which are then partial: an error, named.
        assertEquals(List.of("b.json, rate 2.00: 3 of " + REQUESTS + " requests unfinished when the run ended (time"
                + " limit): they are left out of the latencies and rates; its figures are suspect"),
                c.warnings().subList(1, c.warnings().size()));
        assertTrue(compare(sweep(1.0, 2), sweep(1.0, 2)).warnings().isEmpty());
    }
}

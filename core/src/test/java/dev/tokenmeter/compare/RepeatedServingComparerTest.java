package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.ServingFixtures.SLO;
import static dev.tokenmeter.compare.ServingFixtures.label;
import static dev.tokenmeter.compare.ServingFixtures.point;
import static dev.tokenmeter.compare.ServingFixtures.rateSpec;
import static dev.tokenmeter.compare.ServingFixtures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Judgement;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingRun;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Comparisons of serving results whose points were measured more than once ({@code serve --repeat N}): the
 * metrics become samples, one per run, tested as trials are; a point's verdicts are those of most of its runs, so
 * that one noisy run does not fail a gate; and a point too short to judge never does.
 */
class RepeatedServingComparerTest {
    private static final ServingMode RATE = ServingMode.RATE;
    private static final RegressionGate GATE = RegressionGate.parse("3%");

    private static Comparison compare(Result a, Result b) {
        return Comparer.defaults().compare("a.json", a, "b.json", b);
    }

    /**
     * A point at {@code rate} measured once per latency scale, with the load verdict of each run; each run's
     * achieved rate 0.2% above the one before, so that no figure is the same in every run.
     */
    private static ServingPoint repeated(double rate, List<String> loads, double... scales) {
        List<ServingRun> runs = new ArrayList<>();
        for (int i = 0; i < scales.length; i++) {
            runs.add(point(label(RATE, rate), RATE, rate * (1 + 0.002 * i), 0, scales[i], loads.get(i), SLO, 0)
                    .runs().get(0));
        }
        ServingPoint p = point(label(RATE, rate), RATE, rate, 0, scales[0], loads.get(0), SLO, 0);
        return new ServingPoint(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                p.promptLength(), p.outputLength(), p.steps(), p.preemptions(), p.metrics(), p.slo(), p.load(),
                p.cost(), p.achievedArrivalRate(), p.peakInFlight(), p.requestLog(), runs.subList(1, runs.size()),
                null);
    }

    private static List<String> steady(int runs) {
        return Collections.nCopies(runs, "STEADY");
    }

    /** A rate sweep of these points, each measured {@code repeat} times. */
    private static Result sweep(int repeat, ServingPoint... points) {
        ServingSpec s = rateSpec(Arrays.stream(points).map(ServingPoint::offeredRate).toList());
        ServingSpec spec = new ServingSpec(s.mode(), s.rates(), s.burstiness(), s.concurrencies(), s.trace(),
                s.traceArrivals(), s.traceScale(), s.searchLow(), s.searchHigh(), 0, 0, s.requests(), s.promptLength(),
                s.outputLength(), s.slo(), s.maxSequences(), s.maxTokensPerStep(), s.kvBlockSize(), s.kvBlocks(),
                s.warmupRequests(), s.warmupMaxSeconds(), s.maxDurationSeconds(), repeat);
        return result(spec, List.of(points));
    }

    /** Eight runs at latency scales around {@code scale}, 1% apart. */
    private static double[] eight(double scale) {
        double[] out = new double[8];
        for (int i = 0; i < 8; i++) {
            out[i] = scale * (1 + 0.01 * (i - 3.5));
        }
        return out;
    }

    @Test
    void repeatedPointsAreTestedAsTrialsAndARealSlowdownFailsTheGate() {
        // Eight runs a side, the candidate's latencies 30% longer: every run of it slower than every run of the
        // baseline, Mann-Whitney's p 0.0008 and Welch's far smaller, times 9 measurements (Holm): significant.
        Result base = sweep(8, repeated(2, steady(8), eight(1.0)));
        Result cand = sweep(8, repeated(2, steady(8), eight(1.3)));
        assertEquals(Significance.TRIALS, ServingScenario.TYPE.significance((ServingSpec) base.spec().scenario()));
        Comparison c = compare(base, cand);
        assertEquals(Significance.TRIALS, c.significance());
        assertTrue(c.tested());
        MetricChange ttft = c.changes().stream().filter(m -> m.metric().label().equals("TTFT p99")).findFirst()
                .orElseThrow();
        assertEquals(8, ttft.baselineTrials());
        assertEquals(8, ttft.candidateTrials());
        assertEquals(Verdict.REGRESSION, ttft.verdict());
        assertEquals(0.3, ttft.relativeChange(), 1e-9);
        assertFalse(GATE.passes(c), "a significant 30% regression fails the gate");
        assertTrue(GATE.verdictFailures(c).isEmpty(), "each run met its SLOs: only the metrics fail it");
    }

    @Test
    void identicalRepeatedSweepsAreNoRegression() {
        Result a = sweep(3, repeated(2, steady(3), 1.0, 1.02, 0.98), repeated(4, steady(3), 1.1, 1.0, 1.05));
        Result b = sweep(3, repeated(2, steady(3), 1.0, 1.02, 0.98), repeated(4, steady(3), 1.1, 1.0, 1.05));
        Comparison c = compare(a, b);
        assertTrue(c.tested());
        assertTrue(c.changes().stream().allMatch(m -> m.verdict() == Verdict.NO_SIGNIFICANT_CHANGE),
                c.changes().toString());
        assertTrue(GATE.passes(c));
        assertTrue(ComparisonReport.gateLines(c, GATE).get(0).startsWith("no significant regression beyond 3%"),
                ComparisonReport.gateLines(c, GATE).toString());
    }

    @Test
    void aPointsVerdictIsThatOfMostOfItsRuns() {
        // One run of three OVERLOADED (a pause of the host, say): the point is not overloaded, and a candidate
        // like it is no verdict regression against a baseline whose runs were all steady.
        ServingPoint once = repeated(2, List.of("STEADY", "OVERLOADED", "STEADY"), 1.0, 1.0, 1.0);
        assertFalse(once.overloaded());
        assertTrue(once.passes());
        assertEquals(1, once.runsOverloaded());
        Judgement j = ServingScenario.TYPE.judge(once);
        assertFalse(j.overloaded());
        assertEquals("steady 2/3", j.loadCell());
        assertEquals("met 3/3", j.sloCell());
        assertEquals("SLOs met in 3 of 3 runs, steady in 2 of 3", j.state());
        Comparison noisy = compare(sweep(3, repeated(2, steady(3), 1.0, 1.0, 1.0)), sweep(3, once));
        assertTrue(noisy.verdictRegressions().isEmpty());
        assertTrue(GATE.passes(noisy));

        // Two of three: overloaded, a verdict regression; its SLOs missed in the run that was slow.
        ServingPoint twice = repeated(2, List.of("OVERLOADED", "OVERLOADED", "STEADY"), 1.0, 2.0, 1.0);
        assertTrue(twice.overloaded());
        assertFalse(twice.passes());
        assertEquals("OVERLOADED 2/3", ServingScenario.TYPE.judge(twice).loadCell());
        assertEquals("SLOs met in 2 of 3 runs (run 2: missed tpot:p99 120.0 ms > 100.0 ms), OVERLOADED in 2 of 3",
                ServingScenario.TYPE.judge(twice).state());
        Comparison worse = compare(sweep(3, repeated(2, steady(3), 1.0, 1.0, 1.0)), sweep(3, twice));
        assertEquals(List.of("rate 2.00"), worse.verdictRegressions().stream().map(PointChange::point).toList());
        assertFalse(GATE.passes(worse));

        // SLOs met in half the runs count as met; in fewer, missed.
        assertTrue(repeated(2, steady(2), 1.0, 2.0).meetsSlo());
        assertFalse(repeated(2, steady(3), 1.0, 2.0, 2.0).meetsSlo());
    }

    @Test
    void aTooShortPointNeverFailsTheGate() {
        // The same point, steady in the baseline and too short to judge in the candidate: no verdict moved.
        Result base = sweep(1, point(RATE, 2, 1.0, "STEADY"));
        Result cand = sweep(1, point(RATE, 2, 1.0, "TOO_SHORT"));
        Comparison c = compare(base, cand);
        assertEquals(Verdict.UNCHANGED, c.points().get(0).verdict());
        assertEquals("too short to judge", c.points().get(0).candidate().loadCell());
        assertTrue(GATE.passes(c));
        assertTrue(GATE.passes(compare(cand, base)));
    }

    @Test
    void singleRunsAgainstRepeatedOnesShowTooFewToTest() {
        // One side measured once: the comparison is tested (the other side has samples), but no metric has two
        // samples a side, so none is called significant, and the gate falls to the verdicts.
        Result once = sweep(1, point(RATE, 2, 1.0, "STEADY"));
        Result thrice = sweep(3, repeated(2, steady(3), 1.5, 1.5, 1.5));
        Comparison c = compare(once, thrice);
        assertEquals(Significance.TRIALS, c.significance());
        assertTrue(c.changes().stream().allMatch(m -> m.verdict() == Verdict.TOO_FEW_TRIALS), c.toString());
        assertTrue(GATE.passes(c));
        // Both measured once: as before repeats existed, nothing is tested.
        assertEquals(Significance.NOT_TESTED, compare(once, once).significance());
    }
}

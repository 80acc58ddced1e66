package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.CompareFixtures.METRICS;
import static dev.tokenmeter.compare.CompareFixtures.POINTS;
import static dev.tokenmeter.compare.CompareFixtures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec.Point;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Comparisons of hand-built offline results with and without a real difference; every seed is in the test. */
class ComparerTest {
    private static final int REPETITIONS = 200;
    private static final RegressionGate GATE_3 = new RegressionGate(0.03);

    private static Comparison compare(Result a, Result b) {
        return Comparer.defaults().compare(a, b);
    }

    private static boolean is(MetricChange m, String label) {
        return m.metric().label().equals(label);
    }

    @Test
    void identicalDistributionsAreRarelyCalledDifferentAndNeverFailTheGate() {
        int flagged = 0;
        int flaggedMetrics = 0;
        int tested = 0;
        for (int r = 0; r < REPETITIONS; r++) {
            long seedA = 1000 + 2L * r;
            long seedB = seedA + 1;
            Comparison c = compare(result(seedA, 1.0), result(seedB, 1.0));
            long significant = c.changes().stream().filter(MetricChange::significant).count();
            flagged += significant > 0 ? 1 : 0;
            flaggedMetrics += (int) significant;
            tested += c.testedRows();
            assertTrue(GATE_3.passes(c), "seeds " + seedA + ", " + seedB + ": " + GATE_3.failures(c));
            assertEquals(10, c.testedRows(), "2 points x 5 metrics");
            assertEquals(8, c.testedMeasurements(), "2 points x 4 measurements: TPOT and decode step are one");
        }
        // Holm keeps the chance of any false alarm per comparison below alpha = 5%.
        assertTrue(flagged <= REPETITIONS * 0.05, flagged + " of " + REPETITIONS
                + " comparisons of identical distributions reported a significant change");
        assertTrue(flaggedMetrics <= tested * 0.05, flaggedMetrics + " of " + tested + " metrics");
    }

    @Test
    void aFivePercentThroughputDropIsARegressionOfEveryPoint() {
        for (int r = 0; r < 50; r++) {
            long seed = 5000 + 2L * r;
            Comparison c = compare(result(seed, 1.0), result(seed + 1, 1 / 0.95));
            for (MetricChange m : c.changes()) {
                String where = "seed " + seed + ": " + m;
                assertEquals(Verdict.REGRESSION, m.verdict(), where);
                assertTrue(m.significant() && m.pAdjusted() < 0.05, where);
                if (is(m, "output tok/s")) {
                    // Four standard errors of the difference of two means of 20 trials at ~1.6% noise.
                    assertEquals(-0.05, m.relativeChange(), 0.025, where);
                    assertTrue(m.relativeCiLow() < m.relativeChange() && m.relativeChange() < m.relativeCiHigh(),
                            where);
                    assertTrue(m.relativeCiHigh() < 0, where);
                }
            }
            assertFalse(GATE_3.passes(c), "seed " + seed);
            assertTrue(new RegressionGate(0.10).passes(c), "seed " + seed + ": " + c.regressions());
        }
    }

    @Test
    void theIntervalCoversTheTrueChangeMostOfTheTime() {
        // Throughput is B·G/E2E; a time scale of 1/0.95 lowers it by 5% exactly in expectation (to first order).
        int covered = 0;
        int n = 100;
        for (int r = 0; r < n; r++) {
            long seed = 9000 + 2L * r;
            Comparison c = compare(result(seed, 1.0), result(seed + 1, 1.05));
            MetricChange e2e = c.changes().stream().filter(m -> is(m, "E2E")).findFirst().orElseThrow();
            covered += e2e.relativeCiLow() <= 0.05 && 0.05 <= e2e.relativeCiHigh() ? 1 : 0;
        }
        assertTrue(covered >= 88, covered + " of " + n + " 95% intervals covered the true +5% E2E change");
    }

    @Test
    void aFivePercentLatencyRiseIsDetected() {
        Comparison c = compare(result(11, 1.0), result(12, 1.05));
        for (MetricChange m : c.changes()) {
            assertEquals(Verdict.REGRESSION, m.verdict(), m.toString());
            Metric.Direction direction = m.metric().direction();
            if (direction == Metric.Direction.LOWER_IS_BETTER) {
                assertEquals(0.05, m.relativeChange(), 0.025, m.toString());
            }
            assertEquals(m.relativeChange() * (direction == Metric.Direction.HIGHER_IS_BETTER ? -1 : 1),
                    m.worsening(), 0);
        }
        List<MetricChange> failures = GATE_3.failures(c);
        assertEquals(10, failures.size());
        for (int i = 1; i < failures.size(); i++) {
            assertTrue(failures.get(i - 1).worsening() >= failures.get(i).worsening(), "worst first");
        }
        assertTrue(new RegressionGate(0.10).passes(c));
    }

    @Test
    void anImprovementNeverFailsTheGate() {
        for (int r = 0; r < 20; r++) {
            Comparison c = compare(result(300 + r, 1.0), result(400 + r, 0.95));
            assertTrue(c.changes().stream().allMatch(m -> m.verdict() == Verdict.IMPROVEMENT), c.changes()::toString);
            assertTrue(new RegressionGate(0).passes(c));
            assertTrue(c.regressions().isEmpty());
            assertEquals(10, c.improvements().size());
        }
    }

    @Test
    void rowsAreNamedByTheOfflineKeyAndTestedOnTrials() {
        Comparison c = Comparer.defaults().compare("a.json", result(13, 1.0), "b.json", result(14, 1.0));
        assertEquals("offline", c.scenario());
        assertEquals(Significance.TRIALS, c.significance());
        assertTrue(c.tested());
        assertEquals(0.05, c.alpha());
        assertEquals(List.of("batch", "prompt", "output"), c.keyHeaders());
        List<String> expected = new ArrayList<>();
        for (Point k : POINTS) {
            for (String metric : METRICS) {
                expected.add(k.label() + " / " + metric);
            }
        }
        assertEquals(expected, c.changes().stream().map(m -> m.point() + " / " + m.metric().label()).toList(),
                "by point in baseline order, then metric in the scenario's order");
        assertEquals(List.of("4", "32", "16"), c.changes().get(5).key());
        assertTrue(c.points().isEmpty(), "offline points have no judgement");
        assertTrue(c.runFigures().isEmpty());
        assertEquals("a.json", c.baseline().label());
        assertEquals("b.json", c.candidate().label());
        assertEquals("tiny", c.candidate().model());
        assertTrue(c.differences().isEmpty() && c.warnings().isEmpty(), c.warnings()::toString);
    }

    @Test
    void fewerThanTwoTrialsGiveNoTestAndNoVerdict() {
        Result one = result(21, 2.0, 1, ModelPresets.get("tiny"), "cpu", "Test CPU 9000", POINTS);
        Comparison c = compare(result(22, 1.0), one);
        assertEquals(0, c.testedRows());
        assertEquals(0, c.testedMeasurements());
        assertEquals(10, c.changes().size());
        for (MetricChange m : c.changes()) {
            assertEquals(Verdict.TOO_FEW_TRIALS, m.verdict());
            assertTrue(Double.isNaN(m.pAdjusted()) && Double.isNaN(m.pWelch()) && Double.isNaN(m.pMannWhitney()));
            assertFalse(m.significant());
            assertEquals(1, m.candidateTrials());
            assertTrue(m.worsening() > 0.4, "the change itself is still reported");
        }
        assertTrue(new RegressionGate(0).passes(c), "without a test nothing is a significant regression");
    }

    @Test
    void oneTokenOutputsHaveNoTpotOrDecodeStep() {
        List<Point> single = List.of(new Point(2, 8, 1));
        Comparison c = compare(result(31, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", single),
                result(32, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", single));
        assertEquals(List.of("output tok/s", "TTFT", "E2E"),
                c.changes().stream().map(m -> m.metric().label()).toList());
    }

    @Test
    void differentModelsAreRefusedNamingEveryDifference() {
        Result tiny = result(41, 1.0);
        Result big = result(42, 1.0, 5, ModelPresets.get("llama-110m"), "cpu", "Test CPU 9000", POINTS);
        IncompatibleResultsException e = assertThrows(IncompatibleResultsException.class,
                () -> Comparer.defaults().compare("a.json", tiny, "b.json", big));
        assertEquals(List.of("model: tiny in a.json, llama-110m in b.json (they also differ in vocab, hidden,"
                + " layers, heads, kvHeads, headDim, ffn, tiedEmbeddings, maxPositions)"), e.differences());
        assertEquals("a.json and b.json were not measured alike: " + e.differences().get(0), e.getMessage());

        Comparison forced = new Comparer(0.05, true).compare("a.json", tiny, "b.json", big);
        assertEquals(e.differences(), forced.differences());
        assertTrue(forced.warnings().get(0).startsWith("compared although the runs differ: model: tiny in a.json,"
                + " llama-110m in b.json"), forced.warnings()::toString);
        assertEquals(10, forced.changes().size());
    }

    @Test
    void aModelOfTheSameNameIsComparedFieldByField() {
        Result bf16 = result(43, 1.0);
        Result fp32 = result(44, 1.0, 5, ModelPresets.get("tiny").withWeightDtype(WeightDtype.FP32), "cpu",
                "Test CPU 9000", POINTS);
        assertEquals(List.of("model weightDtype: BF16 in A, FP32 in B"), Comparer.differences("A", bf16, "B", fp32));
    }

    @Test
    void backendAndDeviceDifferencesAreNamed() {
        Result a = result(51, 1.0);
        Result b = result(52, 1.0, 5, ModelPresets.get("tiny"), "cuda", "NVIDIA H100", POINTS);
        assertEquals(List.of("backend: cpu in A, cuda in B", "device: Test CPU 9000 in A, NVIDIA H100 in B"),
                Comparer.differences("A", a, "B", b));
        assertTrue(Comparer.differences("A", a, "B", result(53, 1.0)).isEmpty(), "seeds and timings may differ");
    }

    @Test
    void pointsOnlyInOneResultAreListedNotCompared() {
        List<Point> first = List.of(POINTS.get(0), POINTS.get(1), new Point(8, 32, 16));
        List<Point> second = List.of(new Point(2, 32, 16), POINTS.get(1), POINTS.get(0));
        Comparison c = compare(result(61, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", first),
                result(62, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", second));
        assertEquals(List.of("batch 8, prompt 32, output 16"), c.onlyInBaseline());
        assertEquals(List.of("batch 2, prompt 32, output 16"), c.onlyInCandidate());
        assertEquals(POINTS.stream().map(Point::label).toList(),
                c.changes().stream().map(MetricChange::point).distinct().toList(), "baseline order");

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> compare(
                result(63, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", List.of(new Point(8, 32, 16))),
                result(64, 1.0, 5, ModelPresets.get("tiny"), "cpu", "X", List.of(new Point(2, 32, 16)))));
        assertFalse(none instanceof IncompatibleResultsException);
        assertEquals("baseline and candidate have no point in common: baseline has (batch 8, prompt 32, output 16);"
                + " candidate has (batch 2, prompt 32, output 16)", none.getMessage());
    }

    @Test
    void aMalformedTrialIsNamedWithItsPoint() {
        Result good = result(71, 1.0);
        List<OfflinePoint> points = new ArrayList<>(good.points(OfflinePoint.class));
        OfflinePoint p = points.get(1);
        List<TrialRecord> trials = new ArrayList<>(p.trials());
        trials.set(3, new TrialRecord(1.0, new double[2], 1.0, 1.0));
        points.set(1, new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), 1, trials, p.metrics(), null,
                null, null, List.of()));
        Result bad = CompareFixtures.result(ModelPresets.get("tiny"), "cpu", "Test CPU 9000", points);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparer.defaults().compare("a.json", good, "b.json", bad));
        assertEquals("b.json, batch 4, prompt 32, output 16: malformed result: trial 3 has 2 decode steps;"
                + " output length 16 needs 15", e.getMessage());
    }

    @Test
    void measurementErrorsAndIncompleteRunsAreWarnedOf() {
        Result good = result(72, 1.0);
        List<OfflinePoint> points = new ArrayList<>(good.points(OfflinePoint.class));
        OfflinePoint p = points.get(0);
        points.set(0, CompareFixtures.point(new Point(p.batch(), p.promptLength(), p.outputLength()), p.trials(),
                List.of("MEASUREMENT ERROR: faster than the roofline")));
        Result suspect = CompareFixtures.result(ModelPresets.get("tiny"), "cpu", "Test CPU 9000", points);
        Result stopped = new Result(suspect.schemaVersion(), suspect.tool(), suspect.startedAt(),
                suspect.finishedAt(), false, suspect.spec(), suspect.environment(), suspect.points(), List.of());
        Comparison c = Comparer.defaults().compare("a.json", good, "b.json", stopped);
        assertEquals(List.of("b.json is an incomplete run (it stopped before all its points were measured)",
                "b.json, batch 1, prompt 32, output 16: MEASUREMENT ERROR: faster than the roofline; its figures are"
                        + " suspect"), c.warnings());
    }

    @Test
    void alphaIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Comparer(0, false));
        assertThrows(IllegalArgumentException.class, () -> new Comparer(Double.NaN, false));
        assertThrows(IllegalArgumentException.class, () -> new Comparer(0.6, false));
        assertEquals(0.5, new Comparer(0.5, false).compare(result(73, 1.0), result(74, 1.0)).alpha());
    }
}

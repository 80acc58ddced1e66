package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.CompareFixtures.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Metric.Direction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Holm's step-down adjustment over the distinct measurements of a comparison: by hand on chosen p-values, and on
 * a real offline comparison, whose TPOT and decode-step rows are the same samples and so one test, not two.
 */
class HolmTest {
    @Test
    void holmAdjustsStepDownAndSkipsUntestable() {
        List<Comparer.Row> rows = List.of(row("x", "a", "a", withP(0.01)), row("x", "b", "b", withP(0.04)),
                row("x", "c", "c", untestable()), row("x", "d", "d", withP(0.03)));
        // Sorted 0.01, 0.03, 0.04 of m = 3: 3·0.01, max(that, 2·0.03), max(that, 1·0.04).
        assertArrayEquals(new double[] {0.03, 0.06, Double.NaN, 0.06}, Comparer.holm(rows), 1e-15);
        assertArrayEquals(new double[] {0.7}, Comparer.holm(List.of(row("x", "a", "a", withP(0.7)))), 0);
        assertArrayEquals(new double[] {1.0, 1.0}, Comparer.holm(List.of(row("x", "a", "a", withP(0.7)),
                row("x", "b", "b", withP(0.6)))), 0, "capped at 1");
    }

    @Test
    void rowsOfOneMeasurementOfOnePointShareOneTest() {
        List<Comparer.Row> rows = List.of(row("x", "TPOT", "decode steps", withP(0.01)),
                row("x", "E2E", "E2E", withP(0.02)), row("x", "decode step", "decode steps", withP(0.01)),
                row("y", "TPOT", "decode steps", withP(0.04)));
        // Three tests (x's decode steps, x's E2E, y's decode steps): 3·0.01, max(that, 2·0.02), max(that, 0.04).
        // Counted as four, x's decode steps would be adjusted to max(4·0.01, 3·0.01) = 0.04.
        assertArrayEquals(new double[] {0.03, 0.04, 0.03, 0.04}, Comparer.holm(rows), 1e-15);
    }

    /** The measurement each offline metric's samples are, by hand: TPOT and the mean decode step are one. */
    private static String measurement(String label) {
        return label.equals("TPOT") || label.equals("decode step") ? "decode steps" : label;
    }

    @Test
    void anOfflineComparisonIsAdjustedOverEightTestsNotTen() {
        Comparison c = Comparer.defaults().compare(result(81, 1.0), result(82, 1.02));
        assertEquals(10, c.changes().size(), "2 points x 5 metrics");
        assertEquals(10, c.testedRows());
        assertEquals(8, c.testedMeasurements());

        // Each distinct measurement's p-value: the larger of its two tests', as its first row (TPOT) has it.
        Map<String, Double> tests = new LinkedHashMap<>();
        for (MetricChange m : c.changes()) {
            double p = Math.max(m.pWelch(), m.pMannWhitney());
            Double before = tests.putIfAbsent(m.point() + " / " + measurement(m.metric().label()), p);
            if (before != null) {
                assertEquals(before, p, 1e-9 * before, "TPOT and decode step are the same samples: " + m);
            }
        }
        assertEquals(8, tests.size());
        Map<String, Double> adjusted = holmByHand(tests);
        for (MetricChange m : c.changes()) {
            double expected = adjusted.get(m.point() + " / " + measurement(m.metric().label()));
            assertEquals(expected, m.pAdjusted(), 1e-12 * expected, m.toString());
            assertEquals(m.pAdjusted() < 0.05, m.significant(), m.toString());
        }
        for (int i = 0; i < c.changes().size(); i += 5) {
            assertEquals(c.changes().get(i + 2).pAdjusted(), c.changes().get(i + 4).pAdjusted(),
                    "TPOT and decode step of " + c.changes().get(i).point() + " share one adjusted p-value");
        }
        double smallest = tests.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double smallestAdjusted = c.changes().stream().mapToDouble(MetricChange::pAdjusted).min().orElseThrow();
        assertTrue(8 * smallest < 1, "the example must not be capped at 1: " + smallest);
        assertEquals(8 * smallest, smallestAdjusted, 1e-12 * smallestAdjusted, "the smallest p-value times 8");

        // The same rows counted one test each would be adjusted otherwise: the example tells the two apart.
        Map<String, Double> perRow = new LinkedHashMap<>();
        for (MetricChange m : c.changes()) {
            perRow.put(m.point() + " / " + m.metric().label(), Math.max(m.pWelch(), m.pMannWhitney()));
        }
        double[] actual = c.changes().stream().mapToDouble(MetricChange::pAdjusted).toArray();
        double[] countedTwice = holmByHand(perRow).values().stream().mapToDouble(Double::doubleValue).toArray();
        assertNotEquals(Arrays.toString(countedTwice), Arrays.toString(actual));
    }

    /** Holm over {@code p}, written out: the k-th smallest times (m − k), running maximum, capped at 1. */
    private static Map<String, Double> holmByHand(Map<String, Double> p) {
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(p.entrySet());
        sorted.sort(Map.Entry.comparingByValue());
        Map<String, Double> byRank = new LinkedHashMap<>();
        double running = 0;
        for (int k = 0; k < sorted.size(); k++) {
            running = Math.max(running, Math.min(1, (sorted.size() - k) * sorted.get(k).getValue()));
            byRank.put(sorted.get(k).getKey(), running);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String key : p.keySet()) {
            out.put(key, byRank.get(key));
        }
        return out;
    }

    private static Comparer.Row row(String point, String label, String measurement, TwoSamples stats) {
        return new Comparer.Row(point, List.of(point), new Metric<Object>(label, "ms", Direction.LOWER_IS_BETTER,
                measurement, o -> new double[0]), stats);
    }

    private static TwoSamples withP(double p) {
        return new TwoSamples(5, 5, 1, 1, 1, 1, 0, 0, 0, p, p / 2);
    }

    private static TwoSamples untestable() {
        return new TwoSamples(1, 5, 1, 1, 1, 1, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
}

package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.CompareFixtures.POINTS;
import static dev.tokenmeter.compare.CompareFixtures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.scenario.offline.OfflineSpec.Point;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report of an offline comparison: metrics tested on trials, one row per point and metric. */
class ComparisonReportTest {
    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void consoleShowsEveryMetricWithItsChangeAndVerdict() {
        Comparison c = Comparer.defaults().compare("a.json", result(1, 1.0), "b.json", result(2, 1 / 0.95));
        String text = ComparisonReport.console(c);
        assertContains(text, "baseline   a.json: tiny on cpu (Test CPU 9000), tokenmeter 0.1.0-test (commit abc1234)");
        assertTrue(Pattern.compile("(?m)^batch\\s+prompt\\s+output\\s+metric\\s+baseline\\s+candidate\\s+"
                + "change ±95% CI\\s+p\\s+verdict$").matcher(text).find(), text);
        Pattern row = Pattern.compile("(?m)^\\s*4\\s+32\\s+16\\s+output tok/s\\s+[\\d.]+\\s+[\\d.]+\\s+"
                + "-[45]\\.\\d% ±\\d\\.\\d+%\\s+[\\d.e-]+\\s+REGRESSION$");
        assertTrue(row.matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^\\s*1\\s+32\\s+16\\s+decode step ms\\s").matcher(text).find(), text);
        assertContains(text, "Holm-adjusted over 8 tests (one per distinct measurement: TPOT and the decode step are"
                + " the same samples), significant below 0.05");
        assertFalse(text.contains("over 10 tests"), text);
        assertContains(text, "2 points compared: 10 significant regressions, 0 improvements, 0 without significant"
                + " change");
        assertFalse(text.contains("baseline SLO") || text.contains("not tested"), "no verdict table, no single runs");
        assertTrue(text.endsWith("\n") && !text.contains(" \n"), "no trailing spaces");
    }

    @Test
    void gateLinesNameTheWorstRegressionOrSayThereIsNone() {
        Comparison bad = Comparer.defaults().compare(result(3, 1.0), result(4, 1.05));
        List<String> lines = ComparisonReport.gateLines(bad, new RegressionGate(0.03));
        assertEquals(10, lines.size());
        assertTrue(Pattern.matches("REGRESSION: batch [14], prompt 32, output 16: \\S.* \\+[45]\\.\\d% \\(95% CI"
                + " \\+\\d\\.\\d% to \\+\\d\\.\\d%\\), p=\\S+, beyond 3%", lines.get(0)), lines.get(0));
        assertEquals(List.of("no significant regression beyond 10% (10 significant regressions within it)"),
                ComparisonReport.gateLines(bad, new RegressionGate(0.10)));
        Comparison same = Comparer.defaults().compare(result(5, 1.0), result(6, 1.0));
        assertEquals(List.of("no significant regression beyond 3%"),
                ComparisonReport.gateLines(same, new RegressionGate(0.03)));
    }

    @Test
    void tooFewTrialsAndLoneSidesAreSaid() {
        List<Point> withExtra = List.of(POINTS.get(0), new Point(8, 32, 16));
        Comparison c = Comparer.defaults().compare("a.json", result(7, 1.0), "b.json",
                result(8, 1.0, 1, ModelPresets.get("tiny"), "cpu", "Test CPU 9000", withExtra));
        String text = ComparisonReport.console(c);
        assertContains(text, "too few trials");
        assertContains(text, "1 point compared: 0 significant regressions, 0 improvements, 0 without significant"
                + " change, 5 with too few trials to test");
        assertContains(text, "only in a.json (not compared): batch 4, prompt 32, output 16");
        assertContains(text, "only in b.json (not compared): batch 8, prompt 32, output 16");
    }

    @Test
    void markdownIsATable() {
        Comparison c = Comparer.defaults().compare(result(9, 1.0), result(10, 1.05));
        String md = ComparisonReport.markdown(c);
        assertContains(md, "| batch | prompt | output | metric | baseline | candidate | change ±95% CI | p"
                + " | verdict |");
        assertContains(md, "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |");
        assertContains(md, "| **REGRESSION** |");
        assertContains(md, "Holm-adjusted over 8 tests");
        assertEquals(2 + 10, md.lines().filter(l -> l.startsWith("|")).count());
    }

    @Test
    void percentagesAndPValuesReadWell() {
        assertEquals("+5.3%", ComparisonReport.percent(0.0526, true));
        assertEquals("-0.42%", ComparisonReport.percent(-0.0042, true));
        assertEquals("17.0%", ComparisonReport.percent(0.17, false));
        assertEquals("0.0%", ComparisonReport.percent(0, false));
        assertEquals("3%", ComparisonReport.threshold(0.03));
        assertEquals("0%", ComparisonReport.threshold(0));
        assertEquals("0.5%", ComparisonReport.threshold(0.005));
        assertEquals("7%", RegressionGate.parse("7%").describe());
        assertEquals("0.043", ComparisonReport.p(0.0431));
        assertEquals("1.2e-07", ComparisonReport.p(1.23e-7));
        assertEquals("-", ComparisonReport.p(Double.NaN));
    }
}

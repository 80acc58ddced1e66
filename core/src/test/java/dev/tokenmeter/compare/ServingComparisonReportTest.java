package dev.tokenmeter.compare;

import static dev.tokenmeter.compare.ServingFixtures.point;
import static dev.tokenmeter.compare.ServingFixtures.rateSpec;
import static dev.tokenmeter.compare.ServingFixtures.result;
import static dev.tokenmeter.compare.ServingFixtures.searchSpec;
import static dev.tokenmeter.compare.ServingFixtures.sweep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.serving.ServingMode;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report of a serving comparison: the verdict table first, then the untested differences of single runs. */
class ServingComparisonReportTest {
    private static final ServingMode RATE = ServingMode.RATE;
    private static final ServingMode SEARCH = ServingMode.SEARCH;

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    /** rate 1 unchanged, rate 2 slower and missing its TPOT SLO, rate 4 newly overloaded; rate 8 only in a.json. */
    private static Comparison regressed() {
        Result a = sweep(1.0, 1, 2, 4, 8);
        Result b = result(rateSpec(List.of(1.0, 2.0, 4.0)), List.of(point(RATE, 1, 1.0, "STEADY"),
                point(RATE, 2, 1.8, "STEADY"), point(RATE, 4, 1.0, "OVERLOADED")));
        return Comparer.defaults().compare("a.json", a, "b.json", b);
    }

    @Test
    void consoleShowsVerdictsFirstThenUntestedDifferencesAndSaysTheyAreSingleRuns() {
        String text = ComparisonReport.console(regressed());
        assertContains(text, "baseline   a.json: tiny on cpu (Test CPU 9000), tokenmeter 0.1.0-test (commit abc1234)");
        assertTrue(Pattern.compile("(?m)^point\\s+baseline SLO\\s+baseline load\\s+candidate SLO\\s+candidate load"
                + "\\s+verdict$").matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^rate 2\\.00\\s+met\\s+steady\\s+missed\\s+steady\\s+REGRESSION$")
                .matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^rate 4\\.00\\s+met\\s+steady\\s+met\\s+OVERLOADED\\s+REGRESSION$")
                .matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^rate 1\\.00\\s+met\\s+steady\\s+met\\s+steady\\s+unchanged$")
                .matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^point\\s+metric\\s+baseline\\s+candidate\\s+change\\s+verdict$")
                .matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^rate 2\\.00\\s+TPOT p99 ms\\s+60\\.00\\s+108\\.0\\s+\\+80\\.0%\\s+"
                + "not tested \\(one run per point\\)$").matcher(text).find(), text);
        assertTrue(text.indexOf("baseline SLO") < text.indexOf("TPOT p99 ms"), "the verdicts come first");
        assertContains(text, "Serving points are single runs");
        assertContains(text, "Nothing is tested for significance");
        assertContains(text, "about 10%");
        assertContains(text, "repeat both runs");
        assertContains(text, "3 points compared: 2 verdict regressions, 0 verdict improvements, 1 unchanged;"
                + " 27 metric differences reported, not tested");
        assertContains(text, "REGRESSION at rate 2.00: stopped meeting its SLOs (a.json: SLOs met, steady; b.json:"
                + " missed tpot:p99 108.0 ms > 100.0 ms, steady)");
        assertContains(text, "REGRESSION at rate 4.00: became OVERLOADED (a.json: SLOs met, steady; b.json: SLOs"
                + " met, OVERLOADED)");
        assertContains(text, "only in a.json (not compared): rate 8.00");
        assertFalse(text.contains("p-value") || text.contains("significant regression") || text.contains("±95%")
                || text.contains("Holm"), "no test is claimed");
        assertTrue(text.endsWith("\n") && !text.contains(" \n"), "no trailing spaces");
    }

    @Test
    void gateLinesNameEachVerdictRegressionOrSayThereIsNone() {
        Comparison c = regressed();
        assertEquals(List.of("REGRESSION: rate 2.00: stopped meeting its SLOs (b.json: missed tpot:p99 108.0 ms >"
                + " 100.0 ms, steady)", "REGRESSION: rate 4.00: became OVERLOADED (b.json: SLOs met, OVERLOADED)",
                "MISSING: b.json lacks a point that a.json has: rate 8.00 (the gate does not pass on points that were"
                        + " not measured)"), ComparisonReport.gateLines(c, new RegressionGate(0.03)));
        Comparison slower = Comparer.defaults().compare(sweep(1.0, 1, 2), sweep(1.5, 1, 2));
        assertEquals(List.of("no verdict regression: no point stopped meeting its SLOs or became OVERLOADED (serving"
                + " points are single runs: their differences are not tested, and 3% does not apply to them)"),
                ComparisonReport.gateLines(slower, new RegressionGate(0.03)));
    }

    @Test
    void improvementsAndTheSearchesAnswersAreSaid() {
        Result a = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.0, "OVERLOADED")));
        Result b = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.0, "STEADY"),
                point(SEARCH, 3.125, 1.0, "OVERLOADED")));
        String text = ComparisonReport.console(Comparer.defaults().compare("a.json", a, "b.json", b));
        assertContains(text, "improvement at search 2.25: is no longer OVERLOADED (a.json: SLOs met, OVERLOADED;"
                + " b.json: SLOs met, steady)");
        assertContains(text, "SLO search: highest rate that passed 0.500 req/s in a.json, 2.25 req/s in b.json"
                + " (+350.0%, not tested)");
        assertContains(text, "only in b.json (not compared): search 3.13");
        assertContains(text, "3 points compared: 0 verdict regressions, 1 verdict improvement, 2 unchanged");
    }

    /** A search chooses its probes as it goes: a probe of the baseline's that the candidate lacks is not missing. */
    @Test
    void aSearchsProbesAreNotMissingPoints() {
        Result a = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 2.25, 1.0, "STEADY")));
        Result b = result(searchSpec(), List.of(point(SEARCH, 0.5, 1.0, "STEADY"),
                point(SEARCH, 4, 1.0, "OVERLOADED"), point(SEARCH, 3, 1.0, "OVERLOADED")));
        Comparison c = Comparer.defaults().compare("a.json", a, "b.json", b);
        assertEquals(List.of("search 2.25"), c.onlyInBaseline());
        assertEquals(List.of(), c.missing());
        assertTrue(new RegressionGate(0.03).passes(c), () -> String.join("\n",
                ComparisonReport.gateLines(c, new RegressionGate(0.03))));
    }

    @Test
    void markdownHasBothTablesAndTheNote() {
        String md = ComparisonReport.markdown(regressed());
        assertContains(md, "| point | baseline SLO | baseline load | candidate SLO | candidate load | verdict |");
        assertContains(md, "| point | metric | baseline | candidate | change | verdict |");
        assertContains(md, "| --- | --- | ---: | ---: | ---: | --- |");
        assertContains(md, "| rate 2.00 | met | steady | missed | steady | **REGRESSION** |");
        assertContains(md, "| rate 2.00 | TPOT p99 ms | 60.00 | 108.0 | +80.0% | not tested (one run per point) |");
        assertContains(md, "Serving points are single runs: each value is one run's figure");
        assertContains(md, "- REGRESSION at rate 2.00: stopped meeting its SLOs");
        assertEquals(2 + 3 + 2 + 27, md.lines().filter(l -> l.startsWith("|")).count());
    }
}

package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.PricePresets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Serving points in the result model: the factory, JSON, and every renderer. */
class ServingResultTest {
    private static final double EPS = 1e-9;

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void factoryRecordsTheRunItsMetricsSloLoadAndCost() {
        Result r = TestResults.serving();
        assertEquals(Result.SERVING, r.scenario());
        assertEquals(List.of(), r.points());
        assertEquals(3, r.servingPoints().size());

        ServingPointResult steady = r.servingPoints().get(0);
        assertEquals("rate 10.0", steady.label());
        assertEquals("rate", steady.mode());
        assertEquals(10.0, steady.offeredRate());
        assertEquals(0, steady.concurrency());
        assertEquals(12, steady.requests());
        assertEquals("16", steady.promptLength());
        assertEquals("4", steady.outputLength());
        assertEquals(48, steady.steps());
        ServingSummary m = steady.metrics();
        assertEquals(12, m.completed());
        assertEquals(0, m.incomplete());
        assertEquals(12 * 16, m.inputTokens());
        assertEquals(12 * 4, m.outputTokens());
        assertEquals(1.15, m.durationSeconds(), EPS); // first arrival 0 ms, last token 1150 ms
        assertEquals(12 / 1.15, m.requestsPerSecond(), EPS);
        assertEquals(48 / 1.15, m.outputTokensPerSecond(), EPS);
        assertEquals(20.0, m.ttftMs().p50(), EPS);
        assertEquals(10.0, m.tpotMs().p99(), EPS);
        assertEquals(100.0, m.interactivity().p50(), EPS);
        assertTrue(steady.slo().meetsSlo());
        assertEquals(TestResults.SLO, steady.slo().slo());
        assertEquals(12, steady.slo().goodRequests());
        assertEquals(1.0, steady.slo().goodFraction(), EPS);
        assertEquals(12 / 1.15, steady.slo().goodput(), EPS);
        assertEquals(List.of(new ServingPointResult.SloCheckResult("ttft", 99, 100, 20, true),
                new ServingPointResult.SloCheckResult("tpot", 99, 12, 10, true)), steady.slo().checks().stream()
                .map(c -> new ServingPointResult.SloCheckResult(c.metric(), c.percentile(), c.limitMs(),
                        Math.round(c.measuredMs() * 1e6) / 1e6, c.met())).toList());
        assertEquals("STEADY", steady.load().status());
        assertTrue(steady.passes());
        // The cost follows CostMetrics' formulas at the point's achieved rates.
        CostMetrics expected = CostMetrics.of(PricePresets.get("cpu"), m.requestsPerSecond(),
                m.inputTokensPerSecond(), m.outputTokensPerSecond(), 1);
        assertEquals(expected, steady.cost());

        ServingPointResult overloaded = r.servingPoints().get(1);
        assertEquals("OVERLOADED", overloaded.load().status());
        assertTrue(overloaded.load().overloaded());
        assertFalse(overloaded.slo().meetsSlo());
        assertFalse(overloaded.passes());
        assertEquals(3, overloaded.preemptions());

        ServingPointResult closed = r.servingPoints().get(2);
        assertTrue(Double.isNaN(closed.offeredRate()));
        assertEquals(2, closed.concurrency());
        assertEquals(4, closed.requests());
        assertEquals(3, closed.metrics().completed());
        assertEquals(1, closed.metrics().incomplete());
        assertNull(closed.metrics().tpotMs());
        assertNull(closed.metrics().itlMs());
        assertNull(closed.metrics().interactivity());
        assertEquals("NOT_JUDGED", closed.load().status());
        assertTrue(Double.isNaN(closed.slo().checks().get(1).measuredMs()), "TPOT undefined with one token");
        assertTrue(closed.slo().checks().get(1).met(), "an undefined metric counts as met");
    }

    @Test
    void withoutSloOrPriceThoseAreNull() {
        ServingPointResult p = TestResults.serving().servingPoints().get(0);
        ServingPointResult bare = new ServingPointResult(p.label(), p.mode(), p.offeredRate(), p.concurrency(),
                p.requests(), p.promptLength(), p.outputLength(), p.steps(), p.preemptions(), p.metrics(), null,
                p.load(), null);
        Result r = withPoints(TestResults.serving(), List.of(bare));
        Result back = ResultJson.parse(ResultJson.toJson(r), "test");
        assertEquals(r, back);
        assertNull(back.servingPoints().get(0).slo());
        assertNull(back.servingPoints().get(0).cost());
        assertEquals("-", ConsoleTable.servingCells(bare)[ConsoleTable.SERVING_COLUMNS.indexOf("SLO")]);
        assertFalse(bare.passes());
    }

    @Test
    void jsonRoundTripKeepsEveryServingFigureNaNIncluded() {
        Result r = TestResults.serving();
        String json = ResultJson.toJson(r);
        assertContains(json, "\"servingPoints\"");
        assertContains(json, "\"offeredRate\" : \"NaN\"");
        assertContains(json, "\"measuredMs\" : \"NaN\"");
        assertFalse(json.contains("perRequest"), "the per-request latencies are not kept");
        Result back = ResultJson.parse(json, "test");
        assertEquals(r, back);
        assertTrue(Double.isNaN(back.servingPoints().get(2).offeredRate()));
    }

    @Test
    void aFileWithoutServingPointsReadsAsEmpty() throws Exception {
        Result r = TestResults.twoPoints();
        assertEquals(List.of(), r.servingPoints());
        ObjectNode tree = (ObjectNode) ResultJson.mapper().readTree(ResultJson.toJson(r));
        assertTrue(tree.has("servingPoints"));
        tree.remove("servingPoints");
        Result back = ResultJson.parse(ResultJson.mapper().writeValueAsString(tree), "old.json");
        assertEquals(List.of(), back.servingPoints());
        assertEquals(r.points().size(), back.points().size());
    }

    @Test
    void consoleShowsTheServingTableAndItsWarnings() {
        String report = ConsoleTable.render(TestResults.serving());
        assertContains(report, "serving run, 3 points");
        assertContains(report, "slo       " + TestResults.SLO);
        assertFalse(report.contains("\u00b1CI%"), "no offline table in a serving report:\n" + report);
        assertFalse(report.contains("trials    "), "no trial policy in a serving report:\n" + report);
        List<String> lines = Arrays.asList(report.split("\n"));
        String header = lines.stream().filter(l -> l.startsWith("point")).findFirst().orElseThrow();
        int at = 0;
        for (String h : ConsoleTable.SERVING_COLUMNS) {
            int i = header.indexOf(h, at);
            assertTrue(i >= at, () -> "header label '" + h + "' missing or out of order: " + header);
            at = i + h.length();
        }
        String steady = lines.stream().filter(l -> l.startsWith("rate 10.0")).findFirst().orElseThrow();
        List<String> cells = Arrays.asList(steady.substring("rate 10.0".length()).trim().split("\\s+"));
        // offered, req/s, out tok/s, TTFT p50, TTFT p99, TPOT p50, TPOT p99, ITL p99, E2E p50, goodput, SLO,
        // preempt, $/M out tok, load
        assertEquals(List.of("10.00", "10.43", "41.74", "20.00", "20.00", "10.00", "10.00", "10.00", "50.00",
                "10.43", "met", "0"), cells.subList(0, 12));
        assertEquals("steady", cells.get(13));
        String overloaded = lines.stream().filter(l -> l.startsWith("rate 50.0")).findFirst().orElseThrow();
        assertContains(overloaded, "missed");
        assertContains(overloaded, "OVERLOADED");
        String closed = lines.stream().filter(l -> l.startsWith("concurrency 2")).findFirst().orElseThrow();
        assertContains(closed, "not judged");
        assertTrue(closed.substring("concurrency 2".length()).trim().startsWith("- "), closed);
        assertContains(report, "warning: rate 50.0: offered 50.0 req/s (");
        assertContains(report, "warning: concurrency 2: 1 of 4 requests unfinished");
    }

    @Test
    void offlineReportsAreUnchangedByTheNewField() {
        String report = ConsoleTable.render(TestResults.twoPoints());
        assertFalse(report.contains("goodput"), report);
        assertContains(report, "offline run, 2 points");
    }

    @Test
    void markdownShowsTheServingTable() {
        String md = MarkdownRenderer.render(TestResults.serving());
        assertContains(md, "| point | offered req/s | req/s | out tok/s | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms |"
                + " TPOT p99 ms | ITL p99 ms | E2E p50 ms | goodput req/s | SLO | preempt | \\$/M out tok | load |");
        assertContains(md, "|---|---:|");
        assertContains(md, "| rate 10.0 | 10.00 | 10.43 | 41.74 | 20.00 | 20.00 |");
        assertContains(md, "| OVERLOADED |");
        assertContains(md, "- **SLO**: ttft:p99=100ms,tpot:p99=12ms");
        assertContains(md, "- concurrency 2: 1 of 4 requests unfinished");
        assertFalse(md.contains("\u00b1CI%"), md);
    }

    @Test
    void csvHasOneServingRowPerPointWithTheDocumentedColumns() {
        Result r = TestResults.serving();
        List<List<String>> rows = CsvRendererTest.parse(CsvRenderer.render(r));
        assertEquals(4, rows.size());
        assertEquals(CsvRenderer.SERVING_COLUMNS, rows.get(0));
        List<String> steady = rows.get(1);
        List<String> closed = rows.get(3);
        int c = CsvRenderer.SERVING_COLUMNS.indexOf("offered_req_s");
        assertEquals("10", steady.get(c));
        assertEquals("", closed.get(c), "NaN is an empty field");
        assertEquals("tiny", steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("model")));
        assertEquals("rate 10.0", steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("point")));
        assertEquals("20", steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("ttft_ms_p50")));
        assertEquals("true", steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("meets_slo")));
        assertEquals("STEADY", steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("load")));
        assertEquals(TestResults.SLO, steady.get(CsvRenderer.SERVING_COLUMNS.indexOf("slo")));
        assertEquals("", closed.get(CsvRenderer.SERVING_COLUMNS.indexOf("tpot_ms_p50")));
        assertEquals("1", closed.get(CsvRenderer.SERVING_COLUMNS.indexOf("incomplete")));
        assertTrue(closed.get(CsvRenderer.SERVING_COLUMNS.indexOf("warnings")).contains("unfinished"));
        assertTrue(rows.get(2).get(CsvRenderer.SERVING_COLUMNS.indexOf("warnings")).contains("queue"));
        double expected = r.servingPoints().get(0).cost().usdPerMillionOutput();
        assertEquals(expected, Double.parseDouble(steady.get(CsvRenderer.SERVING_COLUMNS.indexOf(
                "usd_per_m_output"))), 0.0);
    }

    @Test
    void htmlShowsTheServingTableAndItsCharts() {
        String html = HtmlReport.render(TestResults.serving());
        org.w3c.dom.Document doc = HtmlReportTest.parse(html);
        assertContains(html, "<h2>Serving points</h2>");
        assertContains(html, "<th scope=\"col\">goodput req/s</th>");
        assertContains(html, "<td style=\"text-align:left\">rate 10.0</td>");
        assertContains(html, HtmlReport.SERVING_TTFT_TITLE);
        assertContains(html, HtmlReport.SERVING_TPOT_TITLE);
        assertFalse(html.contains(HtmlReport.MBU_TITLE), "no offline charts in a serving report");
        assertEquals(2, doc.getElementsByTagName("svg").getLength());
        assertContains(html, "1 point is left out: TPOT is undefined");
        assertContains(html, "<dt>SLO</dt><dd>" + TestResults.SLO + "</dd>");
    }

    private static Result withPoints(Result r, List<ServingPointResult> points) {
        return new Result(r.schemaVersion(), r.tool(), r.scenario(), r.startedAt(), r.finishedAt(), r.complete(),
                r.spec(), r.environment(), r.points(), points, r.warnings());
    }
}

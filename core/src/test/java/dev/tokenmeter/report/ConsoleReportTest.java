package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleReportTest {
    static final List<String> HEADER = List.of("batch", "prompt", "output", "trials", "TTFT p50 ms",
            "TPOT p50 ms", "ITL p99 ms", "E2E p50 ms", "out tok/s", "total tok/s", "req/s", "decode MBU %",
            "prefill MFU %", "$/query", "$/M out tok", "\u00b1CI%");
    static final List<String> SERVING_HEADER = List.of("point", "offered req/s", "req/s", "out tok/s",
            "TTFT p50 ms", "TTFT p99 ms", "TPOT p50 ms", "TPOT p99 ms", "ITL p99 ms", "E2E p50 ms", "goodput req/s",
            "SLO", "preempt", "$/M out tok", "load");

    /** The table's lines: header, rule, rows (up to the first blank line after the header). */
    private static List<String> tableLines(String report) {
        List<String> lines = Arrays.asList(report.split("\n", -1));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("TTFT p50 ms")) {
                start = i;
                break;
            }
        }
        assertTrue(start >= 0, () -> "no table header in:\n" + report);
        List<String> out = new ArrayList<>();
        for (int i = start; i < lines.size() && !lines.get(i).isBlank(); i++) {
            out.add(lines.get(i));
        }
        return out;
    }

    /** What follows the table: its footnote and the warnings. */
    private static String afterTable(String report) {
        return report.substring(report.indexOf("\n\n", report.indexOf("TTFT p50 ms")));
    }

    private static List<String> cells(String row) {
        return Arrays.asList(row.trim().split("\\s+"));
    }

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    /** The header labels appear in {@code line} in order (each label's words are separated by single spaces). */
    private static void assertLabelsInOrder(List<String> labels, String line) {
        int at = 0;
        for (String h : labels) {
            int i = line.indexOf(h, at);
            assertTrue(i >= at, () -> "header label '" + h + "' missing or out of order: " + line);
            at = i + h.length();
        }
    }

    @Test
    void rowsHoldTheResultsFiguresFormatted() {
        List<String> table = tableLines(ConsoleReport.render(TestResults.twoPoints()));
        assertEquals(4, table.size(), () -> String.join("\n", table));
        assertLabelsInOrder(HEADER, table.get(0));
        assertEquals(List.of("1", "8", "4", "3", "12.50", "4.250", "6.125", "25.25", "158.4", "475.2", "39.60",
                "42.3", "5.2", "7.07e-07", "0.177", "3.4*"), cells(table.get(2)));
        // One token per request: TPOT, ITL and decode MBU are undefined and shown as "-".
        assertEquals(List.of("2", "8", "1", "2", "20.00", "-", "-", "20.00", "100.0", "900.0", "100.0", "-",
                "90.0", "2.80e-07", "0.280", "0.0"), cells(table.get(3)));
    }

    @Test
    void columnWidthsComeFromContentAndNumbersAlignRight() {
        List<String> table = tableLines(ConsoleReport.render(TestResults.twoPoints()));
        int width = table.get(0).length();
        for (String line : table) {
            assertEquals(width, line.length(), () -> "ragged table line: '" + line + "'");
            assertFalse(line.endsWith(" "), () -> "trailing space: '" + line + "'");
        }
        // The rule under each label is as wide as the widest cell of its column: "7.07e-07" is wider than "$/query".
        List<String> rules = cells(table.get(1));
        assertEquals(HEADER.size(), rules.size());
        assertEquals("--------", rules.get(13));
        assertEquals("-----", rules.get(0), "batch: the label is the widest cell");
    }

    @Test
    void headerNamesModelBackendDeviceCeilingsAndPrice() {
        String report = ConsoleReport.render(TestResults.twoPoints());
        String head = report.substring(0, report.indexOf("TTFT p50 ms"));
        assertContains(head, "tiny: ");
        assertContains(head, "2 layers, hidden 128, 4/2 heads (q/kv) of 32, ffn 384, vocab 512, bf16");
        assertContains(head, "backend   cpu (asked: auto)");
        assertContains(head, "Test CPU 9000 (cpu, 2 cores");
        assertContains(head, "20.00 GB/s, 100.0 GFLOP/s (" + TestResults.SOURCE + ")");
        assertContains(head, "$0.1008 per device-hour, cpu (AWS EC2");
        assertFalse(head.contains("INCOMPLETE"));
    }

    @Test
    void violationsAreLoudAndOtherWarningsListed() {
        String report = ConsoleReport.render(TestResults.twoPoints());
        String tail = afterTable(report);
        assertContains(tail, "!! batch 2, prompt 8, output 1: MEASUREMENT ERROR: " + TestResults.VIOLATION);
        assertContains(tail, "warning: batch 1, prompt 8, output 4: " + TestResults.BUDGET_WARNING);
        assertContains(tail, "warning: " + TestResults.RUN_WARNING);
        // The violation is listed once, not once from the warning and again from the roofline.
        assertEquals(report.indexOf(TestResults.VIOLATION), report.lastIndexOf(TestResults.VIOLATION));
    }

    @Test
    void precisionNotReachedIsMarkedAndExplained() {
        String report = ConsoleReport.render(TestResults.twoPoints());
        String tail = afterTable(report);
        assertContains(tail, "\n* \u00b1CI% is the 95% confidence half-width of the mean output tok/s, relative;"
                + " * marks points whose trials stopped (budget) before it was within the \u00b11% target\n");
        assertContains(report, "until \u00b11% at 95% confidence");
    }

    /** The header's trial line of the fixture measured under {@code policy}. */
    private static String trialsLine(MeasurementPolicy policy) {
        Result r = TestResults.twoPoints();
        OfflineSpec s = (OfflineSpec) r.spec().scenario();
        Result measured = TestResults.with(r, r.spec().withScenario(new OfflineSpec(s.batchSizes(),
                s.promptLengths(), s.outputLengths(), policy)), r.points(), r.warnings());
        return ConsoleReport.render(measured).lines().filter(l -> l.startsWith("trials ")).findFirst()
                .orElseThrow();
    }

    @Test
    void trialPolicyLine() {
        assertEquals("trials    1 warm-up, then 2 to 5 per point within 10.0 s, until \u00b11% at 95% confidence;"
                + " medians unless marked", trialsLine(new MeasurementPolicy(1, 2, 5, 10.0)));
        assertEquals("trials    3 warm-up (at least 2.00 s), then 3 to 50 per point within 10.0 s, until \u00b10.5% at"
                + " 95% confidence; medians unless marked", trialsLine(new MeasurementPolicy(3, 3, 50, 10.0, 0.005,
                        2.0)));
        assertEquals("trials    no warm-up, then 1 to 1 per point within 0 s, until \u00b12.5% at 95% confidence;"
                + " medians unless marked", trialsLine(new MeasurementPolicy(0, 1, 1, 0, 0.025, 2.0)));
    }

    @Test
    void undefinedPrecisionShowsADash() {
        Result r = TestResults.twoPoints();
        OfflinePoint p = r.points(OfflinePoint.class).get(0);
        OfflinePoint one = new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(),
                p.trials().subList(0, 1), p.metrics(), p.roofline(), p.cost(),
                new Precision("output tok/s", Double.NaN, 0.01, false, "max-trials"), List.of());
        OfflinePoint none = new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(),
                p.trials(), p.metrics(), p.roofline(), p.cost(), null, List.of());
        String report = ConsoleReport.render(TestResults.with(r, r.spec(), List.of(one, none), List.of()));
        List<String> table = tableLines(report);
        assertEquals("-*", cells(table.get(2)).get(15));
        assertEquals("-", cells(table.get(3)).get(15));
        assertContains(report, "stopped (max-trials)");
    }

    @Test
    void incompleteRunIsFlagged() {
        String report = ConsoleReport.render(TestResults.incomplete());
        assertContains(report.lines().findFirst().orElseThrow(), "(INCOMPLETE)");
        assertContains(report, ConsoleReport.LOUD + "INCOMPLETE RUN");
    }

    @Test
    void withoutPriceCostsAreUndefined() {
        String report = ConsoleReport.render(TestResults.withoutCost());
        assertContains(report, "price     none (cost figures left out)");
        List<String> row = cells(tableLines(report).get(2));
        assertEquals(List.of("-", "-"), row.subList(13, 15));
    }

    @Test
    void cacheResidentPointsGetOneNote() {
        Result r = TestResults.twoPoints();
        List<OfflinePoint> points = new ArrayList<>();
        for (OfflinePoint p : r.points(OfflinePoint.class)) {
            Roofline f = p.roofline();
            points.add(new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(), p.trials(),
                    p.metrics(), new Roofline(f.prefillBytes(), f.prefillFlops(), f.decodeBytes(), f.decodeFlops(),
                            f.prefillFloorMs(), f.decodeFloorMs(), f.measured(), f.datasheet(), true, null),
                    p.cost(), p.precision(), List.of()));
        }
        String report = ConsoleReport.render(TestResults.with(r, r.spec(), points, List.of()));
        assertContains(report, "note: the working set fits in the device's last-level cache, so MBU above 100% is"
                + " possible and not an error: all points\n");
        assertFalse(report.contains("!!"), report);
    }

    @Test
    void numberFormatting() {
        assertEquals("12.50", TextTable.significant(12.5, 4));
        assertEquals("10.0", TextTable.significant(9.9999, 3));
        assertEquals("1235", TextTable.significant(1234.6, 4));
        assertEquals("2.80e-07", TextTable.significant(2.8e-7, 3));
        assertEquals("0", TextTable.significant(0, 3));
        assertEquals("-", TextTable.significant(Double.NaN, 3));
        assertEquals("-", TextTable.percent(Double.POSITIVE_INFINITY));
        assertEquals("1.500 TFLOP/s", TextTable.flops(1.5e12));
        assertEquals("989.4 TFLOP/s", TextTable.flops(989.4e12));
        assertEquals("3350 GB/s", TextTable.bandwidth(3.35e12));
        assertEquals("8.03B", RunDescription.params(8_030_261_248L));
        assertEquals("134M", RunDescription.params(134_000_000L));
    }

    // ---- serving ----

    @Test
    void servingReportShowsTheServingTableAndItsWarnings() {
        String report = ConsoleReport.render(TestResults.serving());
        assertContains(report, "serving run, 3 points");
        assertContains(report, "\nslo       " + TestResults.SLO + "\n");
        assertContains(report, "\nscheduler 16 sequences, step budget 256 tokens, KV 64 blocks of 16\n");
        assertFalse(report.contains("\u00b1CI%"), "no offline table in a serving report:\n" + report);
        assertFalse(report.contains("trials    "), "no trial policy in a serving report:\n" + report);
        List<String> lines = Arrays.asList(report.split("\n"));
        String header = lines.stream().filter(l -> l.startsWith("point")).findFirst().orElseThrow();
        assertLabelsInOrder(SERVING_HEADER, header);
        String steady = lines.stream().filter(l -> l.startsWith("rate 10.0")).findFirst().orElseThrow();
        List<String> cells = Arrays.asList(steady.substring("rate 10.0".length()).trim().split("\\s+"));
        // offered, req/s, out tok/s, TTFT p50, TTFT p99, TPOT p50, TPOT p99, ITL p99, E2E p50, goodput, SLO,
        // preempt, $/M out tok, load
        assertEquals(List.of("10.00", "10.26", "41.03", "20.00", "20.00", "10.00", "10.00", "10.00", "50.00",
                "10.26", "met", "0"), cells.subList(0, 12));
        assertEquals("steady", cells.get(13));
        String overloaded = lines.stream().filter(l -> l.startsWith("rate 50.0")).findFirst().orElseThrow();
        assertContains(overloaded, "missed");
        assertContains(overloaded, "OVERLOADED");
        String closed = lines.stream().filter(l -> l.startsWith("concurrency 2")).findFirst().orElseThrow();
        assertContains(closed, "not judged");
        assertTrue(closed.substring("concurrency 2".length()).trim().startsWith("- "), closed);
        assertContains(report, "warning: rate 50.0: offered 50.0 req/s (");
        assertContains(report, ConsoleReport.LOUD + "concurrency 2: 1 of 4 requests unfinished");
    }

    @Test
    void offlineReportsHaveNoServingTable() {
        String report = ConsoleReport.render(TestResults.twoPoints());
        assertFalse(report.contains("goodput"), report);
        assertFalse(report.contains("scheduler"), report);
        assertContains(report, "offline run, 2 points");
    }
}

package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.metrics.Roofline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTableTest {
    private static final List<String> HEADER = List.of("batch", "prompt", "output", "trials", "TTFT p50 ms",
            "TPOT p50 ms", "ITL p99 ms", "E2E p50 ms", "out tok/s", "total tok/s", "req/s", "decode MBU %",
            "prefill MFU %", "$/query", "$/M out tok", "\u00b1CI%");

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

    @Test
    void rowsHoldTheResultsFiguresFormatted() {
        List<String> table = tableLines(ConsoleTable.render(TestResults.twoPoints()));
        assertEquals(4, table.size(), () -> String.join("\n", table));
        // The header's labels, in order (each label's words are separated by single spaces).
        String header = table.get(0);
        int at = 0;
        for (String h : HEADER) {
            int i = header.indexOf(h, at);
            assertTrue(i >= at, () -> "header label '" + h + "' missing or out of order: " + header);
            at = i + h.length();
        }
        assertEquals(List.of("1", "8", "4", "3", "12.50", "4.250", "6.125", "25.25", "158.4", "475.2", "39.60",
                "42.3", "5.2", "7.07e-07", "0.177", "3.4*"), cells(table.get(2)));
        // One token per request: TPOT, ITL and decode MBU are undefined and shown as "-".
        assertEquals(List.of("2", "8", "1", "2", "20.00", "-", "-", "20.00", "100.0", "900.0", "100.0", "-",
                "90.0", "2.80e-07", "0.280", "0.0"), cells(table.get(3)));
    }

    @Test
    void columnWidthsComeFromContentAndNumbersAlignRight() {
        List<String> table = tableLines(ConsoleTable.render(TestResults.twoPoints()));
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
        String report = ConsoleTable.render(TestResults.twoPoints());
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
        String report = ConsoleTable.render(TestResults.twoPoints());
        String tail = afterTable(report);
        assertContains(tail, "!! batch 2, prompt 8, output 1: MEASUREMENT ERROR: " + TestResults.VIOLATION);
        assertContains(tail, "warning: batch 1, prompt 8, output 4: " + TestResults.BUDGET_WARNING);
        assertContains(tail, "warning: " + TestResults.RUN_WARNING);
        // The violation is listed once, not once from the warning and again from the roofline.
        assertEquals(report.indexOf(TestResults.VIOLATION), report.lastIndexOf(TestResults.VIOLATION));
    }

    @Test
    void precisionNotReachedIsMarkedAndExplained() {
        String report = ConsoleTable.render(TestResults.twoPoints());
        String tail = afterTable(report);
        assertContains(tail, "\n* \u00b1CI% is the 95% confidence half-width of the mean output tok/s, relative;"
                + " * marks points whose trials stopped (budget) before it was within the \u00b11% target\n");
        assertContains(report, "until \u00b11% at 95% confidence");
    }

    @Test
    void trialPolicyLine() {
        assertEquals("1 warm-up, then 2 to 5 per point within 10.0 s, until \u00b11% at 95% confidence",
                ConsoleTable.trials(new dev.tokenmeter.measure.MeasurementPolicy(1, 2, 5, 10.0)));
        assertEquals("3 warm-up (at least 2.00 s), then 3 to 50 per point within 10.0 s, until \u00b10.5% at 95%"
                + " confidence", ConsoleTable.trials(new dev.tokenmeter.measure.MeasurementPolicy(3, 3, 50, 10.0,
                        0.005, 2.0)));
        assertEquals("no warm-up, then 1 to 1 per point within 0 s, until \u00b12.5% at 95% confidence",
                ConsoleTable.trials(new dev.tokenmeter.measure.MeasurementPolicy(0, 1, 1, 0, 0.025, 2.0)));
    }

    @Test
    void undefinedPrecisionShowsADash() {
        Result r = TestResults.twoPoints();
        PointResult p = r.points().get(0);
        PointResult one = new PointResult(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(),
                p.trials().subList(0, 1), p.metrics(), p.roofline(), p.cost(),
                new dev.tokenmeter.measure.Precision("output tok/s", Double.NaN, 0.01, false, "max-trials"),
                List.of());
        PointResult none = new PointResult(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(),
                p.trials(), p.metrics(), p.roofline(), p.cost(), null, List.of());
        String report = ConsoleTable.render(new Result(r.schemaVersion(), r.tool(), r.scenario(), r.startedAt(),
                r.finishedAt(), true, r.spec(), r.environment(), List.of(one, none), List.of(), List.of()));
        List<String> table = tableLines(report);
        assertEquals("-*", cells(table.get(2)).get(15));
        assertEquals("-", cells(table.get(3)).get(15));
        assertContains(report, "stopped (max-trials)");
    }

    @Test
    void incompleteRunIsFlagged() {
        String report = ConsoleTable.render(TestResults.incomplete());
        assertContains(report.lines().findFirst().orElseThrow(), "(INCOMPLETE)");
        assertContains(report, "!! INCOMPLETE RUN");
    }

    @Test
    void withoutPriceCostsAreUndefined() {
        String report = ConsoleTable.render(TestResults.withoutCost());
        assertContains(report, "price     none (cost figures left out)");
        List<String> row = cells(tableLines(report).get(2));
        assertEquals(List.of("-", "-"), row.subList(13, 15));
    }

    @Test
    void cacheResidentPointsGetOneNote() {
        Result r = TestResults.twoPoints();
        List<PointResult> points = new ArrayList<>();
        for (PointResult p : r.points()) {
            Roofline f = p.roofline();
            points.add(new PointResult(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(), p.trials(),
                    p.metrics(), new Roofline(f.prefillBytes(), f.prefillFlops(), f.decodeBytes(), f.decodeFlops(),
                            f.prefillFloorMs(), f.decodeFloorMs(), f.measured(), f.datasheet(), true, null),
                    p.cost(), p.precision(), List.of()));
        }
        String report = ConsoleTable.render(new Result(r.schemaVersion(), r.tool(), r.scenario(), r.startedAt(),
                r.finishedAt(), true, r.spec(), r.environment(), points, List.of(), List.of()));
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
        assertEquals("8.03B", ConsoleTable.params(8_030_261_248L));
        assertEquals("134M", ConsoleTable.params(134_000_000L));
    }
}

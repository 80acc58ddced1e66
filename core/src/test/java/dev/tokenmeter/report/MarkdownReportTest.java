package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownReportTest {
    private static final List<String> HEADER = ConsoleReportTest.HEADER;

    /** Removes CommonMark backslash escapes: "\*" is "*". */
    private static String unescape(String s) {
        return s.replaceAll("\\\\(\\p{Punct})", "$1");
    }

    /** A GFM table row's cells: split on pipes that are not escaped, trimmed and unescaped. */
    static List<String> cells(String row) {
        assertTrue(row.startsWith("|") && row.endsWith("|"), () -> "not a table row: " + row);
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 1; i < row.length(); i++) {
            char ch = row.charAt(i);
            if (ch == '\\' && i + 1 < row.length()) {
                cell.append(ch).append(row.charAt(++i));
            } else if (ch == '|') {
                out.add(unescape(cell.toString().trim()));
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        return out;
    }

    /** The table's lines: every line that starts with a pipe. */
    private static List<String> tableLines(String md) {
        List<String> out = new ArrayList<>();
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                out.add(line);
            }
        }
        return out;
    }

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void tableRowsParseBackToTheFixedResultsFigures() {
        List<String> table = tableLines(MarkdownReport.render(TestResults.twoPoints()));
        assertEquals(4, table.size(), () -> String.join("\n", table));
        assertEquals(HEADER, cells(table.get(0)));
        assertEquals(HEADER.size(), cells(table.get(1)).size());
        assertTrue(cells(table.get(1)).stream().allMatch("---:"::equals), table.get(1));
        assertEquals(List.of("1", "8", "4", "3", "12.50", "4.250", "6.125", "25.25", "158.4", "475.2", "39.60",
                "42.3", "5.2", "7.07e-07", "0.177", "3.4*"), cells(table.get(2)));
        assertEquals(List.of("2", "8", "1", "2", "20.00", "-", "-", "20.00", "100.0", "900.0", "100.0", "-",
                "90.0", "2.80e-07", "0.280", "0.0"), cells(table.get(3)));
    }

    @Test
    void tableValuesAreTheResultsValues() {
        Result r = TestResults.sweep();
        List<String> table = tableLines(MarkdownReport.render(r));
        assertEquals(r.points().size() + 2, table.size());
        for (int i = 0; i < r.points().size(); i++) {
            OfflinePoint p = r.points(OfflinePoint.class).get(i);
            List<String> row = cells(table.get(i + 2));
            assertEquals(p.batch(), Integer.parseInt(row.get(0)));
            assertEquals(p.promptLength(), Integer.parseInt(row.get(1)));
            assertEquals(p.outputLength(), Integer.parseInt(row.get(2)));
            assertEquals(p.metrics().outputTokensPerSecond().p50(), Double.parseDouble(row.get(8)),
                    p.metrics().outputTokensPerSecond().p50() * 5e-4, "out tok/s to 4 significant digits");
            assertEquals(p.metrics().tpotMs().p50(), Double.parseDouble(row.get(5)), p.metrics().tpotMs().p50() * 5e-4);
            assertEquals(p.roofline().measured().decodeMbu() * 100, Double.parseDouble(row.get(11)), 0.05);
            assertEquals(p.cost().usdPerMillionOutput(), Double.parseDouble(row.get(14)),
                    p.cost().usdPerMillionOutput() * 5e-3);
        }
    }

    @Test
    void headingAndRunSummary() {
        String md = MarkdownReport.render(TestResults.twoPoints());
        assertTrue(md.startsWith("## tokenmeter: tiny on Test CPU 9000\n\n"), md);
        assertContains(md, "- **Model**: tiny: 0.525M params, 2 layers, hidden 128");
        assertContains(md, "- **Backend**: cpu (asked: auto), seed 42\n");
        assertContains(md, "- **Device**: Test CPU 9000 (cpu, 2 cores, 8.00 GB JVM heap); 20.00 GB/s");
        assertContains(md, "- **Price**: \\$0.1008 per device-hour, cpu (AWS EC2");
        assertContains(md, "- **Trials**: 1 warm-up, then 2 to 5 per point");
        assertFalse(md.contains("INCOMPLETE"));
        assertContains(MarkdownReport.render(TestResults.incomplete()).lines().findFirst().orElseThrow(),
                "(INCOMPLETE)");
    }

    @Test
    void warningsAreAListWithErrorsInBold() {
        String md = MarkdownReport.render(TestResults.twoPoints());
        String warnings = md.substring(md.indexOf("\n### Warnings\n"));
        List<String> items = Arrays.stream(warnings.split("\n")).filter(l -> l.startsWith("- ")).toList();
        assertEquals(3, items.size(), warnings);
        assertEquals("- batch 1, prompt 8, output 4: " + TestResults.BUDGET_WARNING, unescape(items.get(0)));
        assertEquals("- **batch 2, prompt 8, output 1: MEASUREMENT ERROR: " + TestResults.VIOLATION
                + "; a result faster than the device's roofline cannot be right**", unescape(items.get(1)));
        assertEquals("- " + TestResults.RUN_WARNING, items.get(2));
        assertContains(md, "\\* marks points whose trials stopped (budget)");
        assertContains(MarkdownReport.render(TestResults.incomplete()), "- **INCOMPLETE RUN");
    }

    @Test
    void textFromTheResultCannotBreakTheTableOrInjectMarkup() {
        Result r = TestResults.twoPoints();
        String name = "a|b *c* <script>x</script> [l](http://e) `c` $x$";
        OfflinePoint warned = TestResults.withWarnings(r.points(OfflinePoint.class).get(0),
                List.of("two\nlines | pipe"));
        String md = MarkdownReport.render(TestResults.with(r, TestResults.renamed(r, name), List.of(warned),
                List.of()));
        String heading = md.lines().findFirst().orElseThrow();
        assertEquals("## tokenmeter: " + name + " on Test CPU 9000", unescape(heading));
        assertFalse(md.contains("<script>"), md);
        assertFalse(md.contains("[l]("), md);
        assertContains(md, "- batch 1, prompt 8, output 4: two lines \\| pipe\n");
        List<String> table = tableLines(md);
        assertEquals(3, table.size());
        assertEquals(HEADER.size(), cells(table.get(2)).size());
    }

    @Test
    void outputFormatRendersMarkdown() {
        assertEquals(MarkdownReport.render(TestResults.twoPoints()),
                OutputFormat.parse("md").render(TestResults.twoPoints()));
        assertEquals(OutputFormat.MARKDOWN, OutputFormat.parse(" Markdown "));
        assertEquals("md", OutputFormat.MARKDOWN.extension());
    }

    // ---- serving ----

    @Test
    void servingReportShowsTheServingTable() {
        String md = MarkdownReport.render(TestResults.serving());
        assertContains(md, "| point | offered req/s | req/s | out tok/s | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms |"
                + " TPOT p99 ms | ITL p99 ms | E2E p50 ms | goodput req/s | SLO | preempt | \\$/M out tok | load |");
        assertEquals(ConsoleReportTest.SERVING_HEADER, cells(tableLines(md).get(0)));
        assertContains(md, "|---|---:|");
        assertContains(md, "| rate 10.0 | 10.00 | 10.26 | 41.03 | 20.00 | 20.00 |");
        assertContains(md, "| OVERLOADED |");
        assertContains(md, "- **SLO**: ttft:p99=100ms,tpot:p99=12ms");
        assertContains(md, "- **Scheduler**: 16 sequences, step budget 256 tokens, KV 64 blocks of 16\n");
        assertContains(md, "- **concurrency 2: 1 of 4 requests unfinished");
        assertFalse(md.contains("\u00b1CI%"), md);
        assertFalse(md.contains("**Trials**"), md);
    }
}

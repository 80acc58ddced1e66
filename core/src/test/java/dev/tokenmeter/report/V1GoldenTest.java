package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.TextTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The results committed under docs/results (schema version 1, written before the one-scenario redesign) must render
 * as they did before it: the reports a reader has seen, and that the docs quote, keep their figures. The renderings
 * the old renderers made of each file are kept under src/test/resources/dev/tokenmeter/report/v1/ (NAME.txt console,
 * NAME.csv, NAME.md, NAME.html).
 *
 * <p>The tables must be identical: the console table block, the Markdown table rows, the HTML {@code <table>}
 * element and the CSV rows. The rest of each report must be identical too, except for these intended changes:
 * <ul>
 * <li>a serving report's header gains a "scheduler" line (console "scheduler", Markdown and HTML "Scheduler"): the
 *     sequences, step budget and KV cache the points ran with;</li>
 * <li>the serving CSV gains columns a version-1 file did not record: {@code achieved_arrival_req_s} and
 *     {@code peak_in_flight} before {@code usd_per_query}, empty; and those of endpoints: {@code target}
 *     ("in-process"), {@code failed} and {@code error_rate} (0), {@code itl_chunk_ms_*} and {@code send_lag_ms_*}
 *     (empty); the CSV is compared with them removed;</li>
 * <li>the serving CSV gains a column {@code runs} after {@code requests}: 1 for every point of a version-1 file
 *     (repeated points came later), and removed before the comparison;</li>
 * <li>every CSV gains the device telemetry's columns {@code power_w_mean}, {@code energy_j_per_output_token} and
 *     {@code energy_j_per_query} before {@code warnings}, empty for a version-1 file (which recorded no telemetry);
 *     the CSV is compared with them removed;</li>
 * <li>numbers in the CSV carry 6 significant digits, not the 17 the old renderer wrote: the old rendering's
 *     numbers are rounded the same way before the comparison;</li>
 * <li>the offline HTML "Trials" entry gains "; medians unless marked" (as the console's and Markdown's already
 *     said);</li>
 * <li>the HTML footer names schema version 2, which the result is upgraded to when read, and says that the JSON
 *     holds every request as well as every trial;</li>
 * <li>the sentence under the HTML table that says how to read it is escaped like every other text now, so the
 *     serving one's apostrophes are written {@code &#39;}: a browser shows the same text;</li>
 * <li>a CPU device's memory, which is the JVM's heap, says so: "(cpu, 2 cores, 6.32 GB JVM heap)" where it said
 *     "6.32 GB memory".</li>
 * </ul>
 */
class V1GoldenTest {
    private static final Path RESULTS = Path.of("..", "docs", "results");
    /** The columns version 1 did not have, each with its value for a version-1 point. */
    private static final Map<String, String> NEW_CSV_COLUMNS = newColumns();
    /** A console table's rule: dashes under each header, separated by spaces. */
    private static final Pattern RULE = Pattern.compile("-+( +-+)*");
    private static final Pattern HTML_TABLE = Pattern.compile("<table class=\"points[ a-z]*\">.*?</table>",
            Pattern.DOTALL);
    private static final Pattern FOOTER = Pattern.compile("<footer>.*?</footer>", Pattern.DOTALL);
    /** A CPU device's memory in the old header: "(cpu, 2 cores, 6.32 GB memory)". */
    private static final Pattern CPU_MEMORY = Pattern.compile("(\\(cpu, [0-9]+ cores, [0-9.]+ [KMGT]?B) memory\\)");
    /** The scheduler line of both serving results, from their specs. */
    private static final String SCHEDULER = "64 sequences, step budget 256 tokens, KV 1152 blocks of 16";

    /** The committed results, by name. */
    static List<String> results() {
        return List.of("cpu-llama-110m", "cpu-serve-llama-110m-search", "cpu-serve-llama-110m-sweep",
                "gpu-h100-llama-3.1-8b");
    }

    /** The committed result, after checking that the file is of version 1 (read, it is upgraded to 2). */
    private static Result read(String name) throws IOException {
        Path file = RESULTS.resolve(name + ".json");
        assertEquals(1, ResultJson.mapper().readTree(file.toFile()).path("schemaVersion").asInt(),
                name + " is a version-1 file");
        return ResultJson.read(file);
    }

    private static String old(String name, String extension) throws IOException {
        String resource = "v1/" + name + "." + extension;
        try (InputStream in = V1GoldenTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "missing test resource " + resource);
            return jvmHeap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The old rendering with a CPU's memory labelled as what it is, the JVM's heap (an intended change). */
    private static String jvmHeap(String report) {
        return CPU_MEMORY.matcher(report).replaceAll("$1 JVM heap)");
    }

    private static boolean serving(String name) {
        return name.contains("-serve-");
    }

    // ---- the tables ----

    /** The console table: its header line, its rule and its rows, up to the blank line after them. */
    static List<String> consoleTable(String report) {
        List<String> lines = Arrays.asList(report.split("\n", -1));
        for (int i = 1; i < lines.size(); i++) {
            if (RULE.matcher(lines.get(i)).matches()) {
                List<String> out = new ArrayList<>(List.of(lines.get(i - 1)));
                for (int j = i; j < lines.size() && !lines.get(j).isBlank(); j++) {
                    out.add(lines.get(j));
                }
                return out;
            }
        }
        throw new AssertionError("no table in:\n" + report);
    }

    /** The Markdown table's lines: every line that starts with a pipe. */
    static List<String> markdownTable(String md) {
        List<String> out = md.lines().filter(l -> l.startsWith("|")).toList();
        assertTrue(out.size() > 2, () -> "no table in:\n" + md);
        return out;
    }

    /** The HTML points table, from {@code <table} to {@code </table>}. */
    static String htmlTable(String html) {
        Matcher m = HTML_TABLE.matcher(html);
        assertTrue(m.find(), () -> "no points table in:\n" + html);
        String table = m.group();
        assertTrue(!m.find(), "one points table");
        return table;
    }

    private static Map<String, String> newColumns() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("achieved_arrival_req_s", "");
        m.put("peak_in_flight", "");
        m.put("target", "in-process");
        m.put("failed", "0");
        m.put("error_rate", "0");
        for (String f : List.of("p50", "p90", "p99", "mean")) {
            m.put("itl_chunk_ms_" + f, "");
            m.put("send_lag_ms_" + f, "");
        }
        return m;
    }

    /** The CSV's records (one per line: the committed results hold no field with a line break). */
    static List<String> csvRecords(String csv) {
        assertTrue(csv.endsWith("\r\n"), "records end with CRLF");
        return Arrays.asList(csv.split("\r\n"));
    }

    /** Records whose unquoted numeric fields are rounded as CSV numbers now are ({@link TextTable#plain}). */
    static List<String> rounded(List<String> records) {
        List<String> out = new ArrayList<>();
        for (String record : records) {
            List<String> fields = new ArrayList<>();
            for (String f : splitCsv(record)) {
                fields.add(f.matches("-?[0-9]+(\\.[0-9]+)?") ? TextTable.plain(Double.parseDouble(f)) : f);
            }
            out.add(String.join(",", fields));
        }
        return out;
    }

    /**
     * The CSV with the columns version 1 did not have taken out, after checking that they are empty (the number
     * of runs: 1).
     */
    static List<String> withoutNewColumns(String csv) {
        List<String> records = new ArrayList<>();
        int runs = List.of(csvRecords(csv).get(0).split(",", -1)).indexOf("runs");
        assertTrue(runs > 0, "a runs column");
        for (String record : csvRecords(csv)) {
            List<String> fields = splitCsv(record);
            assertEquals(records.isEmpty() ? "runs" : "1", fields.get(runs), "runs of a version-1 point");
            fields.remove(runs);
            records.add(String.join(",", fields));
        }
        List<String> header = List.of(records.get(0).split(",", -1));
        List<Integer> drop = new ArrayList<>();
        for (String c : NEW_CSV_COLUMNS.keySet()) {
            int i = header.indexOf(c);
            assertTrue(i >= 0, () -> c + " missing from " + header);
            drop.add(i);
        }
        assertEquals(header.indexOf("usd_per_query") - 6, header.indexOf("peak_in_flight") - 1,
                "achieved_arrival_req_s, peak_in_flight and the send lag's four come before usd_per_query");
        drop.sort(Comparator.reverseOrder());
        List<String> out = new ArrayList<>();
        for (int r = 0; r < records.size(); r++) {
            List<String> fields = splitCsv(records.get(r));
            assertEquals(header.size(), fields.size(), "fields of record " + r);
            List<String> kept = new ArrayList<>(fields);
            for (int i : drop) {
                if (r > 0) {
                    assertEquals(NEW_CSV_COLUMNS.get(header.get(i)), fields.get(i), header.get(i) + " of record " + r
                            + ": as a version-1 point reads");
                }
                kept.remove(i);
            }
            out.add(String.join(",", kept));
        }
        return out;
    }

    /** The CSV without the telemetry's columns, after checking that they come before the warnings, empty. */
    static String withoutTelemetryColumns(String csv) {
        List<String> records = csvRecords(csv);
        List<String> header = splitCsv(records.get(0));
        int first = header.indexOf("power_w_mean");
        assertEquals(List.of("power_w_mean", "energy_j_per_output_token", "energy_j_per_query", "warnings"),
                header.subList(first, header.size()), "the telemetry's columns come last but the warnings");
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < records.size(); r++) {
            List<String> fields = new ArrayList<>(splitCsv(records.get(r)));
            for (int i = 0; i < 3; i++) {
                String removed = fields.remove(first);
                if (r > 0) {
                    assertEquals("", removed, "telemetry of a version-1 point, record " + r);
                }
            }
            out.append(String.join(",", fields)).append("\r\n");
        }
        return out.toString();
    }

    /** A CSV record's fields as written (quotes kept), split on the commas outside quotes. */
    private static List<String> splitCsv(String record) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (char ch : record.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        out.add(field.toString());
        return out;
    }

    @ParameterizedTest
    @MethodSource("results")
    void tablesAreAsBeforeTheRedesign(String name) throws IOException {
        Result r = read(name);
        assertEquals(consoleTable(old(name, "txt")), consoleTable(ConsoleReport.render(r)), name + ": console");
        assertEquals(markdownTable(old(name, "md")), markdownTable(MarkdownReport.render(r)), name + ": Markdown");
        assertEquals(htmlTable(old(name, "html")), htmlTable(HtmlReport.render(r)), name + ": HTML");
        String csv = withoutTelemetryColumns(CsvReport.render(r));
        List<String> expected = rounded(csvRecords(old(name, "csv")));
        if (serving(name)) {
            assertEquals(expected, withoutNewColumns(csv), name + ": CSV");
        } else {
            assertEquals(expected, csvRecords(csv), name + ": CSV");
        }
    }

    // ---- the rest of each report ----

    /** {@code report} without the one line that starts with {@code prefix}, which must be there. */
    private static String withoutLine(String report, String prefix) {
        List<String> lines = new ArrayList<>(Arrays.asList(report.split("\n", -1)));
        List<String> matching = lines.stream().filter(l -> l.startsWith(prefix)).toList();
        assertEquals(1, matching.size(), () -> "one line starting '" + prefix + "' in:\n" + report);
        lines.remove(matching.get(0));
        return String.join("\n", lines);
    }

    @ParameterizedTest
    @MethodSource("results")
    void consoleAndMarkdownDifferOnlyByTheSchedulerLine(String name) throws IOException {
        Result r = read(name);
        String console = ConsoleReport.render(r);
        String md = MarkdownReport.render(r);
        if (serving(name)) {
            assertTrue(console.contains("\nscheduler " + SCHEDULER + "\n"), console);
            assertTrue(md.contains("\n- **Scheduler**: " + SCHEDULER + "\n"), md);
            console = withoutLine(console, "scheduler ");
            md = withoutLine(md, "- **Scheduler**: ");
        }
        assertEquals(old(name, "txt"), console, name + ": console");
        assertEquals(old(name, "md"), md, name + ": Markdown");
    }

    @ParameterizedTest
    @MethodSource("results")
    void htmlDiffersOnlyAsIntended(String name) throws IOException {
        Result r = read(name);
        String html = HtmlReport.render(r);
        String before = old(name, "html");
        if (serving(name)) {
            assertTrue(html.contains("\n<dt>Scheduler</dt><dd>" + SCHEDULER + "</dd>\n"), html);
            html = withoutLine(html, "<dt>Scheduler</dt><dd>");
        } else {
            String trials = html.lines().filter(l -> l.startsWith("<dt>Trials</dt>")).findFirst().orElseThrow();
            assertTrue(trials.endsWith("; medians unless marked</dd>"), trials);
            html = html.replace(trials, trials.replace("; medians unless marked</dd>", "</dd>"));
        }
        html = html.lines().map(l -> l.startsWith("<p class=\"footnote\">") ? l.replace("&#39;", "'") : l)
                .collect(Collectors.joining("\n", "", "\n"));
        Matcher footer = FOOTER.matcher(html);
        assertTrue(footer.find(), "a footer");
        assertTrue(footer.group().contains(" from a result of schema version 2. "), footer.group());
        Matcher oldFooter = FOOTER.matcher(before);
        assertTrue(oldFooter.find(), "the old report's footer");
        assertTrue(oldFooter.group().contains(" from a result of schema version 1. "), oldFooter.group());
        assertEquals(before.replace(oldFooter.group(), "<footer/>"), html.replace(footer.group(), "<footer/>"),
                name + ": HTML");
    }
}

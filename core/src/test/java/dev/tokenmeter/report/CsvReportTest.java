package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import dev.tokenmeter.scenario.serving.EndpointResultTest;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingScenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CsvReportTest {
    private static final List<String> HEADER = List.of("model", "backend", "device", "batch", "prompt_len",
            "output_len", "trials",
            "ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99", "ttft_ms_mean",
            "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99", "tpot_ms_mean",
            "itl_ms_p50", "itl_ms_p90", "itl_ms_p99", "itl_ms_mean",
            "e2e_ms_p50", "e2e_ms_p90", "e2e_ms_p99", "e2e_ms_mean",
            "output_tok_s_p50", "output_tok_s_mean", "output_tok_s_ci95_low", "output_tok_s_ci95_high",
            "total_tok_s_p50", "requests_s_p50", "prefill_tok_s_p50", "decode_tok_s_p50",
            "decode_mbu", "decode_mfu", "prefill_mbu", "prefill_mfu",
            "usd_per_query", "usd_per_m_input", "usd_per_m_output", "usd_per_m_total",
            "precision_rel_ci", "precision_reached", "power_w_mean", "energy_j_per_output_token",
            "energy_j_per_query", "warnings");

    private static final List<String> SERVING_HEADER = List.of("model", "backend", "device", "point", "target",
            "mode", "offered_req_s", "concurrency", "requests", "runs", "completed", "incomplete", "failed",
            "error_rate", "prompt_len", "output_len", "duration_s", "requests_s", "output_tok_s", "total_tok_s",
            "ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99", "ttft_ms_mean",
            "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99", "tpot_ms_mean",
            "itl_ms_p50", "itl_ms_p90", "itl_ms_p99", "itl_ms_mean",
            "itl_chunk_ms_p50", "itl_chunk_ms_p90", "itl_chunk_ms_p99", "itl_chunk_ms_mean",
            "e2e_ms_p50", "e2e_ms_p90", "e2e_ms_p99", "e2e_ms_mean",
            "interactivity_p50", "slo", "goodput_req_s", "good_fraction", "meets_slo", "load", "steps",
            "preemptions", "achieved_arrival_req_s", "peak_in_flight",
            "send_lag_ms_p50", "send_lag_ms_p90", "send_lag_ms_p99", "send_lag_ms_mean",
            "usd_per_query", "usd_per_m_output", "power_w_mean", "energy_j_per_output_token", "energy_j_per_query",
            "warnings");

    /**
     * An RFC 4180 reader, written here so that the test does not share code with the renderer: fields separated
     * by commas, records by CRLF, a quoted field may hold commas, CR, LF and doubled quotes.
     */
    static List<List<String>> parse(String csv) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        boolean quoted = false;
        boolean fieldStarted = false;
        while (i < csv.length()) {
            char ch = csv.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                } else {
                    field.append(ch);
                }
                i++;
                continue;
            }
            if (ch == '"') {
                if (fieldStarted && field.length() > 0) {
                    throw new IllegalArgumentException("quote inside an unquoted field at " + i);
                }
                quoted = true;
                fieldStarted = true;
                i++;
            } else if (ch == ',') {
                record.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
                i++;
            } else if (ch == '\r') {
                if (i + 1 >= csv.length() || csv.charAt(i + 1) != '\n') {
                    throw new IllegalArgumentException("bare CR at " + i);
                }
                record.add(field.toString());
                records.add(record);
                record = new ArrayList<>();
                field.setLength(0);
                fieldStarted = false;
                i += 2;
            } else if (ch == '\n') {
                throw new IllegalArgumentException("bare LF at " + i + " (records end with CRLF)");
            } else {
                field.append(ch);
                fieldStarted = true;
                i++;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        if (fieldStarted || !record.isEmpty()) {
            throw new IllegalArgumentException("last record does not end with CRLF");
        }
        return records;
    }

    /** The rows as maps from column name to field, after checking the header. */
    private static List<Map<String, String>> rows(Result r) {
        List<List<String>> records = parse(CsvReport.render(r));
        assertEquals(HEADER, records.get(0));
        List<Map<String, String>> out = new ArrayList<>();
        for (List<String> rec : records.subList(1, records.size())) {
            assertEquals(HEADER.size(), rec.size(), () -> "ragged record: " + rec);
            Map<String, String> m = new LinkedHashMap<>();
            for (int c = 0; c < HEADER.size(); c++) {
                m.put(HEADER.get(c), rec.get(c));
            }
            out.add(m);
        }
        return out;
    }

    /**
     * A field read back as the value to six significant digits (within half a unit of the sixth), with no more
     * digits than that, or empty where the value is undefined.
     */
    private static void assertNumber(double expected, String field, String what) {
        if (!Double.isFinite(expected)) {
            assertEquals("", field, what + ": undefined must be an empty field");
        } else {
            assertEquals(expected, Double.parseDouble(field), Math.abs(expected) * 5e-6, what + " read back from '"
                    + field + "'");
            assertTrue(!field.contains("E") && !field.contains("e"), what + ": plain notation, got " + field);
            String digits = field.replace("-", "").replace(".", "").replaceFirst("^0+", "").replaceFirst("0+$", "");
            assertTrue(digits.length() <= TextTable.CSV_DIGITS, what + ": at most 6 significant digits, got "
                    + field);
        }
    }

    private static void assertSummary(Summary s, Map<String, String> row, String prefix, String... figures) {
        for (String f : figures) {
            String col = prefix + "_" + f;
            if (s == null) {
                assertEquals("", row.get(col), col + ": undefined must be an empty field");
                continue;
            }
            Map<String, Function<Summary, Double>> get = Map.of("p50", Summary::p50, "p90", Summary::p90, "p99",
                    Summary::p99, "mean", Summary::mean, "ci95_low", Summary::ci95Low, "ci95_high",
                    Summary::ci95High);
            assertNumber(get.get(f).apply(s), row.get(col), col);
        }
    }

    @Test
    void everyFieldReadsBackAsTheResultsValue() {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.withoutCost(), TestResults.sweep())) {
            List<Map<String, String>> rows = rows(r);
            assertEquals(r.points().size(), rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> row = rows.get(i);
                OfflinePoint p = r.points(OfflinePoint.class).get(i);
                PointMetrics m = p.metrics();
                assertEquals(r.spec().model().name(), row.get("model"));
                assertEquals(r.environment().device().backend(), row.get("backend"));
                assertEquals(r.environment().device().name(), row.get("device"));
                assertEquals(Integer.toString(p.batch()), row.get("batch"));
                assertEquals(Integer.toString(p.promptLength()), row.get("prompt_len"));
                assertEquals(Integer.toString(p.outputLength()), row.get("output_len"));
                assertEquals(Integer.toString(p.trials().size()), row.get("trials"));
                assertSummary(m.ttftMs(), row, "ttft_ms", "p50", "p90", "p99", "mean");
                assertSummary(m.tpotMs(), row, "tpot_ms", "p50", "p90", "p99", "mean");
                assertSummary(m.itlMs(), row, "itl_ms", "p50", "p90", "p99", "mean");
                assertSummary(m.e2eMs(), row, "e2e_ms", "p50", "p90", "p99", "mean");
                assertSummary(m.outputTokensPerSecond(), row, "output_tok_s", "p50", "mean", "ci95_low",
                        "ci95_high");
                assertSummary(m.totalTokensPerSecond(), row, "total_tok_s", "p50");
                assertSummary(m.requestsPerSecond(), row, "requests_s", "p50");
                assertSummary(m.prefillTokensPerSecond(), row, "prefill_tok_s", "p50");
                assertSummary(m.decodeTokensPerSecond(), row, "decode_tok_s", "p50");
                Utilization u = p.roofline().measured();
                assertNumber(u.decodeMbu(), row.get("decode_mbu"), "decode_mbu");
                assertNumber(u.decodeMfu(), row.get("decode_mfu"), "decode_mfu");
                assertNumber(u.prefillMbu(), row.get("prefill_mbu"), "prefill_mbu");
                assertNumber(u.prefillMfu(), row.get("prefill_mfu"), "prefill_mfu");
                if (p.cost() == null) {
                    for (String c : List.of("usd_per_query", "usd_per_m_input", "usd_per_m_output",
                            "usd_per_m_total")) {
                        assertEquals("", row.get(c), c + " without a price");
                    }
                } else {
                    assertNumber(p.cost().usdPerQuery(), row.get("usd_per_query"), "usd_per_query");
                    assertNumber(p.cost().usdPerMillionInput(), row.get("usd_per_m_input"), "usd_per_m_input");
                    assertNumber(p.cost().usdPerMillionOutput(), row.get("usd_per_m_output"), "usd_per_m_output");
                    assertNumber(p.cost().usdPerMillionTotal(), row.get("usd_per_m_total"), "usd_per_m_total");
                }
                assertNumber(p.precision().relativeCiHalfWidth(), row.get("precision_rel_ci"), "precision_rel_ci");
                assertEquals(Boolean.toString(p.precision().reached()), row.get("precision_reached"));
            }
        }
    }

    @Test
    void fixedResultsRowsAsText() {
        List<Map<String, String>> rows = rows(TestResults.twoPoints());
        Map<String, String> first = rows.get(0);
        assertEquals("tiny", first.get("model"));
        assertEquals("cpu", first.get("backend"), "the backend that ran, not the one asked for");
        assertEquals("Test CPU 9000", first.get("device"));
        assertEquals("12.5", first.get("ttft_ms_p50"));
        assertEquals("158.4", first.get("output_tok_s_p50"));
        assertEquals("0.423", first.get("decode_mbu"));
        assertEquals("0.000000707", first.get("usd_per_query"), "plain notation, no exponent");
        assertEquals("0.034", first.get("precision_rel_ci"));
        assertEquals("false", first.get("precision_reached"));
        assertEquals(TestResults.BUDGET_WARNING, first.get("warnings"));
        Map<String, String> second = rows.get(1);
        for (String undefined : List.of("tpot_ms_p50", "tpot_ms_mean", "itl_ms_p99", "decode_tok_s_p50",
                "decode_mbu", "decode_mfu")) {
            assertEquals("", second.get(undefined), undefined);
        }
        assertEquals("0", second.get("precision_rel_ci"));
        assertEquals("true", second.get("precision_reached"));
        assertEquals("MEASUREMENT ERROR: " + TestResults.VIOLATION
                + "; a result faster than the device's roofline cannot be right", second.get("warnings"));
    }

    @Test
    void fieldsWithCommasQuotesAndLineBreaksAreQuoted() {
        Result r = TestResults.twoPoints();
        String name = "tiny, \"quoted\"\r\nsecond line";
        OfflinePoint warned = TestResults.withWarnings(r.points(OfflinePoint.class).get(0),
                List.of("one, two", "three \"3\""));
        Result odd = TestResults.with(r, TestResults.renamed(r, name), List.of(warned, r.points().get(1)),
                r.warnings());
        String csv = CsvReport.render(odd);
        assertTrue(csv.contains("\"tiny, \"\"quoted\"\"\r\nsecond line\""), csv);
        List<Map<String, String>> rows = rows(odd);
        assertEquals(2, rows.size());
        assertEquals(name, rows.get(0).get("model"));
        assertEquals("one, two | three \"3\"", rows.get(0).get("warnings"));
        assertEquals("8", rows.get(1).get("prompt_len"), "the record after a quoted line break still lines up");
    }

    @Test
    void aRoofViolationNotInThePointsWarningsIsStillListed() {
        Result r = TestResults.twoPoints();
        OfflinePoint silent = TestResults.withWarnings(r.points(OfflinePoint.class).get(1), List.of());
        Result quiet = TestResults.withPoints(r, List.of(silent));
        assertEquals("MEASUREMENT ERROR: " + TestResults.VIOLATION, rows(quiet).get(0).get("warnings"));
    }

    @Test
    void outputFormatRendersCsv() {
        assertEquals(CsvReport.render(TestResults.twoPoints()), OutputFormat.CSV.render(TestResults.twoPoints()));
        assertEquals(HEADER, CsvReport.columns(OfflineScenario.TYPE));
        assertEquals("csv", OutputFormat.CSV.extension());
    }

    @Test
    void numbersArePlainDecimalsOfSixSignificantDigits() {
        assertEquals("0.1", TextTable.plain(0.1));
        assertEquals("20000000000", TextTable.plain(2e10));
        assertEquals("0.000000707", TextTable.plain(7.07e-7));
        assertEquals("4", TextTable.plain(4.0));
        assertEquals("0", TextTable.plain(-0.0));
        assertEquals("-1.5", TextTable.plain(-1.5));
        assertEquals("", TextTable.plain(Double.NaN));
        assertEquals("", TextTable.plain(Double.POSITIVE_INFINITY));
        // Rounded to 6 significant digits, not the 17 a double prints with.
        assertEquals("0.333333", TextTable.plain(1.0 / 3));
        assertEquals("842.925", TextTable.plain(842.92541234567));
        assertEquals("123457000", TextTable.plain(123456789.0));
        assertEquals("0.000000707107", TextTable.plain(7.0710678e-7));
        assertEquals("10", TextTable.plain(9.9999999));
        assertEquals("-2.71828", TextTable.plain(-Math.E));
    }

    @Test
    void aThroughputIntervalStaysPositiveHoweverSpreadTheTrials() {
        // Three trials of batch 1, prompt 8, output 4, the last five times as fast as the others (which a cold JIT
        // slowed, say): 4 output tokens in 40, 40 and 8 ms, 100, 100 and 500 tok/s. Student's t: 233 ± 574 tok/s.
        List<TrialRecord> trials = List.of(new TrialRecord(10, new double[] {10, 10, 10}, 10, 30),
                new TrialRecord(10, new double[] {10, 10, 10}, 10, 30),
                new TrialRecord(2, new double[] {2, 2, 2}, 2, 6));
        PointMetrics m = PointMetrics.offline(1, 8, 4, trials);
        OfflinePoint p = new OfflinePoint(1, 8, 4, 0, trials, m, null, null, null, List.of());
        Map<String, String> row = rows(TestResults.withPoints(TestResults.twoPoints(), List.of(p))).get(0);
        double low = Double.parseDouble(row.get("output_tok_s_ci95_low"));
        double mean = Double.parseDouble(row.get("output_tok_s_mean"));
        double high = Double.parseDouble(row.get("output_tok_s_ci95_high"));
        assertTrue(m.outputTokensPerSecond().mean() - m.outputTokensPerSecond().ciHalfWidth() < 0,
                "Student's t would cross 0 here");
        assertTrue(low > 0 && low < mean && mean < high, low + " < " + mean + " < " + high);
        assertEquals("233.333", row.get("output_tok_s_mean"));
    }

    // ---- serving ----

    @Test
    void servingCsvHasOneRowPerPointWithTheDocumentedColumns() {
        Result r = TestResults.serving();
        List<List<String>> rows = parse(CsvReport.render(r));
        assertEquals(4, rows.size());
        assertEquals(SERVING_HEADER, rows.get(0));
        assertEquals(SERVING_HEADER, CsvReport.columns(ServingScenario.TYPE));
        List<String> steady = rows.get(1);
        List<String> closed = rows.get(3);
        int c = SERVING_HEADER.indexOf("offered_req_s");
        assertEquals("10", steady.get(c));
        assertEquals("", closed.get(c), "NaN is an empty field");
        assertEquals("tiny", steady.get(SERVING_HEADER.indexOf("model")));
        assertEquals("rate 10.0", steady.get(SERVING_HEADER.indexOf("point")));
        assertEquals("rate", steady.get(SERVING_HEADER.indexOf("mode")));
        assertEquals("concurrency", closed.get(SERVING_HEADER.indexOf("mode")));
        assertEquals("20", steady.get(SERVING_HEADER.indexOf("ttft_ms_p50")));
        assertEquals("true", steady.get(SERVING_HEADER.indexOf("meets_slo")));
        assertEquals("STEADY", steady.get(SERVING_HEADER.indexOf("load")));
        assertEquals(TestResults.SLO, steady.get(SERVING_HEADER.indexOf("slo")));
        assertEquals("", closed.get(SERVING_HEADER.indexOf("tpot_ms_p50")));
        assertEquals("1", closed.get(SERVING_HEADER.indexOf("incomplete")));
        // In process: no failures, no chunks, no send times.
        assertEquals("in-process", steady.get(SERVING_HEADER.indexOf("target")));
        assertEquals("0", steady.get(SERVING_HEADER.indexOf("failed")));
        assertEquals("0", steady.get(SERVING_HEADER.indexOf("error_rate")));
        assertEquals("", steady.get(SERVING_HEADER.indexOf("itl_chunk_ms_p50")));
        assertEquals("", steady.get(SERVING_HEADER.indexOf("send_lag_ms_p99")));
        assertTrue(closed.get(SERVING_HEADER.indexOf("warnings")).contains("unfinished"));
        assertTrue(rows.get(2).get(SERVING_HEADER.indexOf("warnings")).contains("queue"));
        List<ServingPoint> points = r.points(ServingPoint.class);
        double expected = points.get(0).cost().usdPerMillionOutput();
        assertNumber(expected, steady.get(SERVING_HEADER.indexOf("usd_per_m_output")), "usd_per_m_output");
        for (int i = 0; i < points.size(); i++) {
            List<String> row = rows.get(i + 1);
            assertNumber(points.get(i).achievedArrivalRate(), row.get(SERVING_HEADER.indexOf(
                    "achieved_arrival_req_s")), "achieved_arrival_req_s");
            assertEquals(Integer.toString(points.get(i).peakInFlight()),
                    row.get(SERVING_HEADER.indexOf("peak_in_flight")));
        }
        assertEquals(List.of("1", "10", "2"), rows.subList(1, 4).stream()
                .map(row -> row.get(SERVING_HEADER.indexOf("peak_in_flight"))).toList());
        assertEquals(10.0, Double.parseDouble(steady.get(SERVING_HEADER.indexOf("achieved_arrival_req_s"))), 1e-9,
                "20 arrivals 100 ms apart");
    }

    @Test
    void anEndpointsFailuresChunksAndSendLagAreColumns() {
        Result r = EndpointResultTest.endpointResult();
        List<String> row = parse(CsvReport.render(r)).get(1);
        assertEquals("endpoint", row.get(SERVING_HEADER.indexOf("target")));
        assertEquals("2", row.get(SERVING_HEADER.indexOf("failed")));
        assertEquals("0.2", row.get(SERVING_HEADER.indexOf("error_rate")));
        assertEquals("20", row.get(SERVING_HEADER.indexOf("itl_chunk_ms_p50")));
        assertEquals("2", row.get(SERVING_HEADER.indexOf("send_lag_ms_p50")));
        assertNumber(percentile99(), row.get(SERVING_HEADER.indexOf("send_lag_ms_p99")), "send_lag_ms_p99");
    }

    /** The send lags of the endpoint fixture, 2 ms for nine requests and 30 for the last, at p99 (type 7). */
    private static double percentile99() {
        double h = 9 * 0.99;
        return 2 + (h - 8) * (30 - 2);
    }

    @Test
    void servingFiguresNotRecordedAreEmptyFields() {
        Result r = TestResults.serving();
        ServingPoint p = r.points(ServingPoint.class).get(0);
        ServingPoint old = new ServingPoint(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                p.promptLength(), p.outputLength(), p.steps(), p.preemptions(), p.metrics(), null, p.load(), null,
                null, null, null, null, null);
        List<String> row = parse(CsvReport.render(TestResults.withPoints(r, List.of(old)))).get(1);
        for (String column : List.of("achieved_arrival_req_s", "peak_in_flight", "slo", "goodput_req_s",
                "good_fraction", "meets_slo", "usd_per_query", "usd_per_m_output")) {
            assertEquals("", row.get(SERVING_HEADER.indexOf(column)), column);
        }
    }
}

package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Utilization;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link Result} as CSV (RFC 4180): a header row, then one row per point, CRLF line ends, a field
 * quoted when it holds a comma, a double quote, CR or LF. Numbers are written in plain decimal notation with as
 * many digits as it takes to read the same double back; undefined figures (null, NaN, infinite) are empty
 * fields. Latencies in milliseconds, rates per second, utilizations as fractions (1 = the measured ceiling),
 * costs in US dollars. The columns are listed in {@link #COLUMNS} and in docs/result-schema.md. A serving result
 * has a table of its own instead, one row per serving point, with the columns of {@link #SERVING_COLUMNS}.
 */
public final class CsvRenderer {
    private static final String EOL = "\r\n";

    /** One column: its header and how a point's field is drawn from the result. */
    private record Column(String name, Function<Row, String> value) {
    }

    /** A point with the run-level figures every row repeats. */
    private record Row(String model, String backend, String device, PointResult point) {
        PointMetrics m() {
            return point.metrics();
        }

        Utilization u() {
            return point.roofline() == null ? null : point.roofline().measured();
        }

        CostMetrics c() {
            return point.cost();
        }
    }

    /** One column of the serving table. */
    private record ServingColumn(String name, Function<ServingRow, String> value) {
    }

    /** A serving point with the run-level figures every row repeats. */
    private record ServingRow(String model, String backend, String device, ServingPointResult point) {
        ServingSummary m() {
            return point.metrics();
        }

        ServingPointResult.SloResult slo() {
            return point.slo();
        }

        CostMetrics c() {
            return point.cost();
        }
    }

    private static final List<Column> COLUMN_LIST = columns();
    private static final List<ServingColumn> SERVING_COLUMN_LIST = servingColumns();

    /** The header row's names, in order. */
    public static final List<String> COLUMNS = COLUMN_LIST.stream().map(Column::name).toList();
    /** The header row's names of a serving result's table, in order. */
    public static final List<String> SERVING_COLUMNS = SERVING_COLUMN_LIST.stream().map(ServingColumn::name).toList();

    private CsvRenderer() {
    }

    private static List<Column> columns() {
        List<Column> c = new ArrayList<>();
        c.add(new Column("model", Row::model));
        c.add(new Column("backend", Row::backend));
        c.add(new Column("device", Row::device));
        c.add(new Column("batch", r -> Integer.toString(r.point().batch())));
        c.add(new Column("prompt_len", r -> Integer.toString(r.point().promptLength())));
        c.add(new Column("output_len", r -> Integer.toString(r.point().outputLength())));
        c.add(new Column("trials", r -> Integer.toString(r.point().trials().size())));
        latency(c, "ttft_ms", PointMetrics::ttftMs);
        latency(c, "tpot_ms", PointMetrics::tpotMs);
        latency(c, "itl_ms", PointMetrics::itlMs);
        latency(c, "e2e_ms", PointMetrics::e2eMs);
        c.add(summary("output_tok_s_p50", PointMetrics::outputTokensPerSecond, Summary::p50));
        c.add(summary("output_tok_s_mean", PointMetrics::outputTokensPerSecond, Summary::mean));
        c.add(summary("output_tok_s_ci95_low", PointMetrics::outputTokensPerSecond, Summary::ci95Low));
        c.add(summary("output_tok_s_ci95_high", PointMetrics::outputTokensPerSecond, Summary::ci95High));
        c.add(summary("total_tok_s_p50", PointMetrics::totalTokensPerSecond, Summary::p50));
        c.add(summary("requests_s_p50", PointMetrics::requestsPerSecond, Summary::p50));
        c.add(summary("prefill_tok_s_p50", PointMetrics::prefillTokensPerSecond, Summary::p50));
        c.add(summary("decode_tok_s_p50", PointMetrics::decodeTokensPerSecond, Summary::p50));
        c.add(new Column("decode_mbu", r -> r.u() == null ? "" : number(r.u().decodeMbu())));
        c.add(new Column("decode_mfu", r -> r.u() == null ? "" : number(r.u().decodeMfu())));
        c.add(new Column("prefill_mbu", r -> r.u() == null ? "" : number(r.u().prefillMbu())));
        c.add(new Column("prefill_mfu", r -> r.u() == null ? "" : number(r.u().prefillMfu())));
        c.add(new Column("usd_per_query", r -> r.c() == null ? "" : number(r.c().usdPerQuery())));
        c.add(new Column("usd_per_m_input", r -> r.c() == null ? "" : number(r.c().usdPerMillionInput())));
        c.add(new Column("usd_per_m_output", r -> r.c() == null ? "" : number(r.c().usdPerMillionOutput())));
        c.add(new Column("usd_per_m_total", r -> r.c() == null ? "" : number(r.c().usdPerMillionTotal())));
        c.add(new Column("precision_rel_ci", r -> {
            Precision p = r.point().precision();
            return p == null ? "" : number(p.relativeCiHalfWidth());
        }));
        c.add(new Column("precision_reached", r -> {
            Precision p = r.point().precision();
            return p == null ? "" : Boolean.toString(p.reached());
        }));
        c.add(new Column("warnings", r -> {
            List<String> w = new ArrayList<>();
            for (Notice n : Notice.ofPoint(r.point())) {
                w.add(n.text());
            }
            return String.join(" | ", w);
        }));
        return List.copyOf(c);
    }

    private static List<ServingColumn> servingColumns() {
        List<ServingColumn> c = new ArrayList<>();
        c.add(new ServingColumn("model", ServingRow::model));
        c.add(new ServingColumn("backend", ServingRow::backend));
        c.add(new ServingColumn("device", ServingRow::device));
        c.add(new ServingColumn("point", r -> r.point().label()));
        c.add(new ServingColumn("mode", r -> r.point().mode()));
        c.add(new ServingColumn("offered_req_s", r -> number(r.point().offeredRate())));
        c.add(new ServingColumn("concurrency", r -> Integer.toString(r.point().concurrency())));
        c.add(new ServingColumn("requests", r -> Integer.toString(r.point().requests())));
        c.add(new ServingColumn("completed", r -> r.m() == null ? "" : Integer.toString(r.m().completed())));
        c.add(new ServingColumn("incomplete", r -> r.m() == null ? "" : Integer.toString(r.m().incomplete())));
        c.add(new ServingColumn("prompt_len", r -> nullToEmpty(r.point().promptLength())));
        c.add(new ServingColumn("output_len", r -> nullToEmpty(r.point().outputLength())));
        c.add(new ServingColumn("duration_s", r -> r.m() == null ? "" : number(r.m().durationSeconds())));
        c.add(new ServingColumn("requests_s", r -> r.m() == null ? "" : number(r.m().requestsPerSecond())));
        c.add(new ServingColumn("output_tok_s", r -> r.m() == null ? "" : number(r.m().outputTokensPerSecond())));
        c.add(new ServingColumn("total_tok_s", r -> r.m() == null ? "" : number(r.m().totalTokensPerSecond())));
        servingLatency(c, "ttft_ms", ServingSummary::ttftMs);
        servingLatency(c, "tpot_ms", ServingSummary::tpotMs);
        servingLatency(c, "itl_ms", ServingSummary::itlMs);
        servingLatency(c, "e2e_ms", ServingSummary::e2eMs);
        c.add(servingSummary("interactivity_p50", ServingSummary::interactivity, Summary::p50));
        c.add(new ServingColumn("slo", r -> r.slo() == null ? "" : nullToEmpty(r.slo().slo())));
        c.add(new ServingColumn("goodput_req_s", r -> r.slo() == null ? "" : number(r.slo().goodput())));
        c.add(new ServingColumn("good_fraction", r -> r.slo() == null ? "" : number(r.slo().goodFraction())));
        c.add(new ServingColumn("meets_slo", r -> r.slo() == null ? "" : Boolean.toString(r.slo().meetsSlo())));
        c.add(new ServingColumn("load", r -> r.point().load() == null ? "" : nullToEmpty(r.point().load().status())));
        c.add(new ServingColumn("steps", r -> Long.toString(r.point().steps())));
        c.add(new ServingColumn("preemptions", r -> Long.toString(r.point().preemptions())));
        c.add(new ServingColumn("usd_per_query", r -> r.c() == null ? "" : number(r.c().usdPerQuery())));
        c.add(new ServingColumn("usd_per_m_output", r -> r.c() == null ? "" : number(r.c().usdPerMillionOutput())));
        c.add(new ServingColumn("warnings", r -> {
            List<String> w = new ArrayList<>();
            for (Notice n : Notice.ofServingPoint(r.point())) {
                w.add(n.text());
            }
            return String.join(" | ", w);
        }));
        return List.copyOf(c);
    }

    private static void servingLatency(List<ServingColumn> c, String prefix,
            Function<ServingSummary, Summary> metric) {
        c.add(servingSummary(prefix + "_p50", metric, Summary::p50));
        c.add(servingSummary(prefix + "_p90", metric, Summary::p90));
        c.add(servingSummary(prefix + "_p99", metric, Summary::p99));
        c.add(servingSummary(prefix + "_mean", metric, Summary::mean));
    }

    private static ServingColumn servingSummary(String name, Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return new ServingColumn(name, r -> {
            Summary s = r.m() == null ? null : metric.apply(r.m());
            return s == null ? "" : number(figure.applyAsDouble(s));
        });
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void latency(List<Column> c, String prefix, Function<PointMetrics, Summary> metric) {
        c.add(summary(prefix + "_p50", metric, Summary::p50));
        c.add(summary(prefix + "_p90", metric, Summary::p90));
        c.add(summary(prefix + "_p99", metric, Summary::p99));
        c.add(summary(prefix + "_mean", metric, Summary::mean));
    }

    private static Column summary(String name, Function<PointMetrics, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return new Column(name, r -> {
            Summary s = r.m() == null ? null : metric.apply(r.m());
            return s == null ? "" : number(figure.applyAsDouble(s));
        });
    }

    public static String render(Result result) {
        RunSpec spec = result.spec();
        DeviceInfo device = result.environment() == null ? null : result.environment().device();
        String model = spec == null ? "" : spec.model().name();
        String backend = device != null ? device.backend() : spec == null ? "" : spec.backend();
        String deviceName = device == null ? "" : device.name();
        StringBuilder sb = new StringBuilder();
        if (ConsoleTable.showsOfflineTable(result)) {
            line(sb, COLUMNS);
            for (PointResult p : result.points()) {
                Row row = new Row(model, backend, deviceName, p);
                List<String> fields = new ArrayList<>();
                for (Column c : COLUMN_LIST) {
                    fields.add(c.value().apply(row));
                }
                line(sb, fields);
            }
        }
        if (!result.servingPoints().isEmpty()) {
            if (!sb.isEmpty()) {
                sb.append(EOL); // a result with both kinds of points: two tables, a blank line between
            }
            line(sb, SERVING_COLUMNS);
            for (ServingPointResult p : result.servingPoints()) {
                ServingRow row = new ServingRow(model, backend, deviceName, p);
                List<String> fields = new ArrayList<>();
                for (ServingColumn c : SERVING_COLUMN_LIST) {
                    fields.add(c.value().apply(row));
                }
                line(sb, fields);
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(quote(fields.get(i)));
        }
        sb.append(EOL);
    }

    /** A field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, quote, CR or LF. */
    static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\r') < 0
                && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    /**
     * A double in plain notation ("0.000000707", "20000000000") with the fewest digits that read back as the same
     * double; empty when NaN or infinite. Spreadsheets and data-frame readers take it without a locale.
     */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        if (v == 0) {
            return "0"; // also -0.0
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}

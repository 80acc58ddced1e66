package dev.tokenmeter.scenario.offline;

import static dev.tokenmeter.result.TextTable.UNDEFINED;
import static dev.tokenmeter.result.TextTable.percent;
import static dev.tokenmeter.result.TextTable.plain;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The offline scenario's tables: the headline columns of console, Markdown and HTML reports (medians over trials,
 * p99 for ITL), and the CSV columns (every percentile and the raw utilizations, costs and precision).
 */
final class OfflineTable {
    /** Header of the precision column: the headline metric's relative 95% CI half-width, in percent. */
    static final String PRECISION_COLUMN = "\u00b1CI%";
    /** Marks a precision cell whose target was not reached. */
    static final String NOT_REACHED = "*";

    static final List<Column<OfflinePoint>> KEY = List.of(
            Column.number("batch", p -> Integer.toString(p.batch())),
            Column.number("prompt", p -> Integer.toString(p.promptLength())),
            Column.number("output", p -> Integer.toString(p.outputLength())));

    static final Tables<OfflinePoint> TABLES = new Tables<>("Points", "points", table(), csv(), KEY);

    private OfflineTable() {
    }

    private static List<Column<OfflinePoint>> table() {
        List<Column<OfflinePoint>> c = new ArrayList<>(KEY);
        c.add(Column.number("trials", p -> Integer.toString(p.trials().size())));
        c.add(Column.number("TTFT p50 ms", p -> ms(p, PointMetrics::ttftMs, false)));
        c.add(Column.number("TPOT p50 ms", p -> ms(p, PointMetrics::tpotMs, false)));
        c.add(Column.number("ITL p99 ms", p -> ms(p, PointMetrics::itlMs, true)));
        c.add(Column.number("E2E p50 ms", p -> ms(p, PointMetrics::e2eMs, false)));
        c.add(Column.number("out tok/s", p -> rate(p, PointMetrics::outputTokensPerSecond)));
        c.add(Column.number("total tok/s", p -> rate(p, PointMetrics::totalTokensPerSecond)));
        c.add(Column.number("req/s", p -> rate(p, PointMetrics::requestsPerSecond)));
        c.add(Column.number("decode MBU %", p -> utilization(p) == null ? UNDEFINED
                : percent(utilization(p).decodeMbu())));
        c.add(Column.number("prefill MFU %", p -> utilization(p) == null ? UNDEFINED
                : percent(utilization(p).prefillMfu())));
        c.add(Column.number("$/query", p -> p.cost() == null ? UNDEFINED : significant(p.cost().usdPerQuery(), 3)));
        c.add(Column.number("$/M out tok", p -> p.cost() == null ? UNDEFINED
                : significant(p.cost().usdPerMillionOutput(), 3)));
        c.add(Column.number(PRECISION_COLUMN, p -> precision(p.precision())));
        return List.copyOf(c);
    }

    private static List<Column<OfflinePoint>> csv() {
        List<Column<OfflinePoint>> c = new ArrayList<>();
        c.add(Column.number("batch", p -> Integer.toString(p.batch())));
        c.add(Column.number("prompt_len", p -> Integer.toString(p.promptLength())));
        c.add(Column.number("output_len", p -> Integer.toString(p.outputLength())));
        c.add(Column.number("trials", p -> Integer.toString(p.trials().size())));
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
        c.add(utilization("decode_mbu", Utilization::decodeMbu));
        c.add(utilization("decode_mfu", Utilization::decodeMfu));
        c.add(utilization("prefill_mbu", Utilization::prefillMbu));
        c.add(utilization("prefill_mfu", Utilization::prefillMfu));
        c.add(cost("usd_per_query", CostMetrics::usdPerQuery));
        c.add(cost("usd_per_m_input", CostMetrics::usdPerMillionInput));
        c.add(cost("usd_per_m_output", CostMetrics::usdPerMillionOutput));
        c.add(cost("usd_per_m_total", CostMetrics::usdPerMillionTotal));
        c.add(Column.number("precision_rel_ci", p -> p.precision() == null ? ""
                : plain(p.precision().relativeCiHalfWidth())));
        c.add(Column.text("precision_reached", p -> p.precision() == null ? ""
                : Boolean.toString(p.precision().reached())));
        return List.copyOf(c);
    }

    private static void latency(List<Column<OfflinePoint>> c, String prefix, Function<PointMetrics, Summary> metric) {
        c.addAll(Column.latency(prefix, p -> p.metrics() == null ? null : metric.apply(p.metrics())));
    }

    private static Column<OfflinePoint> summary(String name, Function<PointMetrics, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return Column.summary(name, p -> p.metrics() == null ? null : metric.apply(p.metrics()), figure);
    }

    private static Column<OfflinePoint> utilization(String name, ToDoubleFunction<Utilization> figure) {
        return Column.number(name, p -> utilization(p) == null ? "" : plain(figure.applyAsDouble(utilization(p))));
    }

    private static Column<OfflinePoint> cost(String name, ToDoubleFunction<CostMetrics> figure) {
        return Column.number(name, p -> p.cost() == null ? "" : plain(figure.applyAsDouble(p.cost())));
    }

    static Utilization utilization(OfflinePoint p) {
        return p.roofline() == null ? null : p.roofline().measured();
    }

    private static String ms(OfflinePoint p, Function<PointMetrics, Summary> metric, boolean p99) {
        Summary s = p.metrics() == null ? null : metric.apply(p.metrics());
        return s == null ? UNDEFINED : significant(p99 ? s.p99() : s.p50(), 4);
    }

    private static String rate(OfflinePoint p, Function<PointMetrics, Summary> metric) {
        Summary s = p.metrics() == null ? null : metric.apply(p.metrics());
        return s == null ? UNDEFINED : significant(s.median(), 4);
    }

    /**
     * The relative 95% CI half-width in percent ("3.4"), {@value dev.tokenmeter.result.TextTable#UNDEFINED} when
     * undefined (one trial), followed by {@value #NOT_REACHED} when the policy's target was not reached.
     */
    static String precision(Precision pr) {
        if (pr == null) {
            return UNDEFINED;
        }
        return percent(pr.relativeCiHalfWidth()) + (pr.reached() ? "" : NOT_REACHED);
    }

    /** The footnote that explains {@value #NOT_REACHED}, or null when every point reached its target. */
    static String imprecisionNote(List<OfflinePoint> points) {
        List<String> stops = new ArrayList<>();
        Precision first = null;
        for (OfflinePoint p : points) {
            Precision pr = p.precision();
            if (pr != null && !pr.reached()) {
                first = first == null ? pr : first;
                if (!stops.contains(pr.stoppedBy())) {
                    stops.add(pr.stoppedBy());
                }
            }
        }
        if (first == null) {
            return null;
        }
        return NOT_REACHED + " " + PRECISION_COLUMN + " is the 95% confidence half-width of the mean " + first.metric()
                + ", relative; " + NOT_REACHED + " marks points whose trials stopped (" + String.join(", ", stops)
                + ") before it was within the \u00b1" + OfflineScenario.targetPercent(first.target()) + "% target";
    }
}

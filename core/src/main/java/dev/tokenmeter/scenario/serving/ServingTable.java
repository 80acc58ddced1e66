package dev.tokenmeter.scenario.serving;

import static dev.tokenmeter.result.TextTable.UNDEFINED;
import static dev.tokenmeter.result.TextTable.plain;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The serving scenario's tables: one row per point with its load, rates, latency percentiles, goodput and
 * verdicts; in CSV every percentile, the raw figures and the point's counts.
 */
final class ServingTable {
    static final List<Column<ServingPoint>> KEY = List.of(Column.text("point", ServingPoint::label));

    private static final List<Column<ServingPoint>> TABLE = List.of(
            Column.text("point", ServingPoint::label),
            Column.number("offered req/s", p -> significant(p.offeredRate(), 4)),
            Column.number("req/s", p -> p.metrics() == null ? UNDEFINED
                    : significant(p.metrics().requestsPerSecond(), 4)),
            Column.number("out tok/s", p -> p.metrics() == null ? UNDEFINED
                    : significant(p.metrics().outputTokensPerSecond(), 4)),
            Column.number("TTFT p50 ms", p -> ms(p, ServingSummary::ttftMs, false)),
            Column.number("TTFT p99 ms", p -> ms(p, ServingSummary::ttftMs, true)),
            Column.number("TPOT p50 ms", p -> ms(p, ServingSummary::tpotMs, false)),
            Column.number("TPOT p99 ms", p -> ms(p, ServingSummary::tpotMs, true)),
            Column.number("ITL p99 ms", p -> ms(p, ServingSummary::itlMs, true)),
            Column.number("E2E p50 ms", p -> ms(p, ServingSummary::e2eMs, false)),
            Column.number("goodput req/s", p -> p.slo() == null ? UNDEFINED : significant(p.slo().goodput(), 4)),
            Column.text("SLO", p -> sloCell(p.slo())),
            Column.number("preempt", p -> Long.toString(p.preemptions())),
            Column.number("$/M out tok", p -> p.cost() == null ? UNDEFINED
                    : significant(p.cost().usdPerMillionOutput(), 3)),
            Column.text("load", p -> loadCell(p.load())));

    static final Tables<ServingPoint> TABLES = new Tables<>("Serving points", "points serving", TABLE, csv(), KEY);

    private ServingTable() {
    }

    private static List<Column<ServingPoint>> csv() {
        List<Column<ServingPoint>> c = new ArrayList<>();
        c.add(Column.text("point", ServingPoint::label));
        c.add(Column.text("mode", p -> p.mode().label()));
        c.add(Column.number("offered_req_s", p -> plain(p.offeredRate())));
        c.add(Column.number("concurrency", p -> Integer.toString(p.concurrency())));
        c.add(Column.number("requests", p -> Integer.toString(p.requests())));
        c.add(Column.number("completed", p -> p.metrics() == null ? "" : Integer.toString(p.metrics().completed())));
        c.add(Column.number("incomplete", p -> p.metrics() == null ? ""
                : Integer.toString(p.metrics().incomplete())));
        c.add(Column.text("prompt_len", p -> nullToEmpty(p.promptLength())));
        c.add(Column.text("output_len", p -> nullToEmpty(p.outputLength())));
        c.add(figure("duration_s", ServingSummary::durationSeconds));
        c.add(figure("requests_s", ServingSummary::requestsPerSecond));
        c.add(figure("output_tok_s", ServingSummary::outputTokensPerSecond));
        c.add(figure("total_tok_s", ServingSummary::totalTokensPerSecond));
        latency(c, "ttft_ms", ServingSummary::ttftMs);
        latency(c, "tpot_ms", ServingSummary::tpotMs);
        latency(c, "itl_ms", ServingSummary::itlMs);
        latency(c, "e2e_ms", ServingSummary::e2eMs);
        c.add(summary("interactivity_p50", ServingSummary::interactivity, Summary::p50));
        c.add(Column.text("slo", p -> p.slo() == null ? "" : nullToEmpty(p.slo().slo())));
        c.add(Column.number("goodput_req_s", p -> p.slo() == null ? "" : plain(p.slo().goodput())));
        c.add(Column.number("good_fraction", p -> p.slo() == null ? "" : plain(p.slo().goodFraction())));
        c.add(Column.text("meets_slo", p -> p.slo() == null ? "" : Boolean.toString(p.slo().meetsSlo())));
        c.add(Column.text("load", p -> p.load() == null || p.load().status() == null ? "" : p.load().status().name()));
        c.add(Column.number("steps", p -> Long.toString(p.steps())));
        c.add(Column.number("preemptions", p -> Long.toString(p.preemptions())));
        c.add(Column.number("achieved_arrival_req_s", p -> p.achievedArrivalRate() == null ? ""
                : plain(p.achievedArrivalRate())));
        c.add(Column.number("peak_in_flight", p -> p.peakInFlight() == null ? ""
                : Integer.toString(p.peakInFlight())));
        c.add(cost("usd_per_query", CostMetrics::usdPerQuery));
        c.add(cost("usd_per_m_output", CostMetrics::usdPerMillionOutput));
        return List.copyOf(c);
    }

    private static void latency(List<Column<ServingPoint>> c, String prefix, Function<ServingSummary, Summary> metric) {
        c.addAll(Column.latency(prefix, p -> p.metrics() == null ? null : metric.apply(p.metrics())));
    }

    private static Column<ServingPoint> summary(String name, Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return Column.summary(name, p -> p.metrics() == null ? null : metric.apply(p.metrics()), figure);
    }

    private static Column<ServingPoint> figure(String name, ToDoubleFunction<ServingSummary> figure) {
        return Column.number(name, p -> p.metrics() == null ? "" : plain(figure.applyAsDouble(p.metrics())));
    }

    private static Column<ServingPoint> cost(String name, ToDoubleFunction<CostMetrics> figure) {
        return Column.number(name, p -> p.cost() == null ? "" : plain(figure.applyAsDouble(p.cost())));
    }

    private static String ms(ServingPoint p, Function<ServingSummary, Summary> metric, boolean p99) {
        Summary s = p.metrics() == null ? null : metric.apply(p.metrics());
        return s == null ? UNDEFINED : significant(p99 ? s.p99() : s.p50(), 4);
    }

    /** "met" or "missed" (every SLO at its percentile), "-" without SLOs. */
    static String sloCell(ServingPoint.SloResult slo) {
        return slo == null ? UNDEFINED : slo.meetsSlo() ? "met" : "missed";
    }

    /** "steady", "OVERLOADED" (loud: latencies are not steady-state) or "not judged". */
    static String loadCell(ServingPoint.LoadResult load) {
        if (load == null) {
            return UNDEFINED;
        }
        if (load.status() == null) {
            return UNDEFINED;
        }
        return switch (load.status()) {
            case STEADY -> "steady";
            case OVERLOADED -> "OVERLOADED";
            case NOT_JUDGED -> "not judged";
        };
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}

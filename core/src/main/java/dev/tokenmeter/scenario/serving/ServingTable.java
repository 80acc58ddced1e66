package dev.tokenmeter.scenario.serving;

import static dev.tokenmeter.result.TextTable.UNDEFINED;
import static dev.tokenmeter.result.TextTable.plain;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Tables;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The serving scenario's tables: one row per point with its load, rates, latency percentiles, goodput and
 * verdicts; in CSV every percentile, the raw figures and the point's counts. A repeated point's figures are
 * medians over its runs (its one run's, for a point measured once), and its verdicts those of most runs.
 */
final class ServingTable {
    /** The load cell of a point too short to judge. */
    static final String TOO_SHORT = "too short to judge";

    static final List<Column<ServingPoint>> KEY = List.of(Column.text("point", ServingPoint::label));

    private static final List<Column<ServingPoint>> TABLE = List.of(
            Column.text("point", ServingPoint::label),
            Column.number("offered req/s", p -> significant(p.offeredRate(), 4)),
            Column.number("req/s", p -> significant(p.median(metric(ServingSummary::requestsPerSecond)), 4)),
            Column.number("out tok/s", p -> significant(p.median(metric(ServingSummary::outputTokensPerSecond)),
                    4)),
            Column.number("TTFT p50 ms", p -> ms(p, ServingSummary::ttftMs, Summary::p50)),
            Column.number("TTFT p99 ms", p -> ms(p, ServingSummary::ttftMs, Summary::p99)),
            Column.number("TPOT p50 ms", p -> ms(p, ServingSummary::tpotMs, Summary::p50)),
            Column.number("TPOT p99 ms", p -> ms(p, ServingSummary::tpotMs, Summary::p99)),
            Column.number("ITL p99 ms", p -> ms(p, ServingSummary::itlMs, Summary::p99)),
            Column.number("E2E p50 ms", p -> ms(p, ServingSummary::e2eMs, Summary::p50)),
            Column.number("goodput req/s", p -> p.slo() == null ? UNDEFINED
                    : significant(p.median(slo(ServingPoint.SloResult::goodput)), 4)),
            Column.text("SLO", ServingTable::sloCell),
            Column.number("preempt", p -> count(p.median(ServingRun::preemptions))),
            Column.number("$/M out tok", p -> p.cost() == null ? UNDEFINED
                    : significant(p.median(cost(CostMetrics::usdPerMillionOutput)), 3)),
            Column.text("load", ServingTable::loadCell));

    static final Tables<ServingPoint> TABLES = new Tables<>("Serving points", "points serving", TABLE, csv(), KEY);

    private ServingTable() {
    }

    private static List<Column<ServingPoint>> csv() {
        List<Column<ServingPoint>> c = new ArrayList<>();
        c.add(Column.text("point", ServingPoint::label));
        c.add(Column.text("target", ServingPoint::target));
        c.add(Column.text("mode", p -> p.mode().label()));
        c.add(Column.number("offered_req_s", p -> plain(p.offeredRate())));
        c.add(Column.number("concurrency", p -> Integer.toString(p.concurrency())));
        c.add(Column.number("requests", p -> Integer.toString(p.requests())));
        c.add(Column.number("runs", p -> Integer.toString(p.runs().size())));
        c.add(figure("completed", ServingSummary::completed));
        c.add(figure("incomplete", ServingSummary::incomplete));
        c.add(figure("failed", ServingSummary::failed));
        c.add(figure("error_rate", ServingSummary::errorRate));
        c.add(Column.text("prompt_len", p -> nullToEmpty(p.promptLength())));
        c.add(Column.text("output_len", p -> nullToEmpty(p.outputLength())));
        c.add(figure("duration_s", ServingSummary::durationSeconds));
        c.add(figure("requests_s", ServingSummary::requestsPerSecond));
        c.add(figure("output_tok_s", ServingSummary::outputTokensPerSecond));
        c.add(figure("total_tok_s", ServingSummary::totalTokensPerSecond));
        latency(c, "ttft_ms", ServingSummary::ttftMs);
        latency(c, "tpot_ms", ServingSummary::tpotMs);
        latency(c, "itl_ms", ServingSummary::itlMs);
        latency(c, "itl_chunk_ms", ServingSummary::itlChunkMs);
        latency(c, "e2e_ms", ServingSummary::e2eMs);
        c.add(runs("interactivity_p50", summary(ServingSummary::interactivity, Summary::p50)));
        c.add(Column.text("slo", p -> p.slo() == null ? "" : nullToEmpty(p.slo().slo())));
        c.add(runs("goodput_req_s", slo(ServingPoint.SloResult::goodput)));
        c.add(runs("good_fraction", slo(ServingPoint.SloResult::goodFraction)));
        c.add(Column.text("meets_slo", p -> p.slo() == null ? "" : Boolean.toString(p.meetsSlo())));
        c.add(Column.text("load", p -> {
            SustainedLoad.Status status = loadStatus(p);
            return status == null ? "" : status.name();
        }));
        c.add(runs("steps", ServingRun::steps));
        c.add(runs("preemptions", ServingRun::preemptions));
        c.add(runs("achieved_arrival_req_s", r -> r.achievedArrivalRate() == null ? Double.NaN
                : r.achievedArrivalRate()));
        c.add(runs("peak_in_flight", r -> r.peakInFlight() == null ? Double.NaN : r.peakInFlight()));
        latency(c, "send_lag_ms", ServingSummary::sendLagMs);
        c.add(runs("usd_per_query", cost(CostMetrics::usdPerQuery)));
        c.add(runs("usd_per_m_output", cost(CostMetrics::usdPerMillionOutput)));
        return List.copyOf(c);
    }

    /** A CSV column of the median over a point's runs of a figure of each (its one run's, measured once). */
    private static Column<ServingPoint> runs(String name, ToDoubleFunction<ServingRun> figure) {
        return Column.number(name, p -> plain(p.median(figure)));
    }

    private static void latency(List<Column<ServingPoint>> c, String prefix, Function<ServingSummary, Summary> metric) {
        for (String f : List.of("p50", "p90", "p99", "mean")) {
            ToDoubleFunction<Summary> figure = switch (f) {
                case "p50" -> Summary::p50;
                case "p90" -> Summary::p90;
                case "p99" -> Summary::p99;
                default -> Summary::mean;
            };
            c.add(runs(prefix + "_" + f, summary(metric, figure)));
        }
    }

    private static Column<ServingPoint> figure(String name, ToDoubleFunction<ServingSummary> figure) {
        return runs(name, metric(figure));
    }

    /** A figure of a run's metrics; NaN where it has none. */
    static ToDoubleFunction<ServingRun> metric(ToDoubleFunction<ServingSummary> figure) {
        return r -> r.metrics() == null ? Double.NaN : figure.applyAsDouble(r.metrics());
    }

    /** A figure of one of a run's distributions; NaN where it has none (TPOT of one-token outputs). */
    static ToDoubleFunction<ServingRun> summary(Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return r -> {
            Summary s = r.metrics() == null ? null : metric.apply(r.metrics());
            return s == null ? Double.NaN : figure.applyAsDouble(s);
        };
    }

    private static ToDoubleFunction<ServingRun> slo(ToDoubleFunction<ServingPoint.SloResult> figure) {
        return r -> r.slo() == null ? Double.NaN : figure.applyAsDouble(r.slo());
    }

    private static ToDoubleFunction<ServingRun> cost(ToDoubleFunction<CostMetrics> figure) {
        return r -> r.cost() == null ? Double.NaN : figure.applyAsDouble(r.cost());
    }

    /** A count, or a median of counts: "12", "12.5". */
    private static String count(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : significant(v, 4);
    }

    private static String ms(ServingPoint p, Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return significant(p.median(summary(metric, figure)), 4);
    }

    /**
     * "met" or "missed" (every SLO at its percentile), "-" without SLOs; for a repeated point, the verdict of most
     * runs and in how many it held: "met 2/3".
     */
    static String sloCell(ServingPoint p) {
        if (p.slo() == null) {
            return UNDEFINED;
        }
        int runs = p.runs().size();
        int met = p.runsMeetingSlo();
        String verdict = p.meetsSlo() ? "met" : "missed";
        return runs == 1 ? verdict : verdict + " " + (p.meetsSlo() ? met : runs - met) + "/" + runs;
    }

    /**
     * The load cell ({@link #loadCell(ServingPoint.LoadResult)}) of a point; for a repeated point, that of most
     * runs (OVERLOADED where more than half were) and in how many it held: "steady 3/3", "OVERLOADED 2/3".
     */
    static String loadCell(ServingPoint p) {
        List<ServingRun> runs = p.runs();
        if (runs.size() == 1) {
            return loadCell(p.load());
        }
        SustainedLoad.Status status = loadStatus(p);
        return status == null ? UNDEFINED : label(status) + " " + runsWith(p, status) + "/" + runs.size();
    }

    /**
     * The load verdict of most of a point's runs: OVERLOADED where more than half were, else the verdict most of
     * the others share (the first such, on a tie); null where no run recorded one.
     */
    static SustainedLoad.Status loadStatus(ServingPoint p) {
        if (p.overloaded()) {
            return SustainedLoad.Status.OVERLOADED;
        }
        Map<SustainedLoad.Status, Long> counts = new LinkedHashMap<>();
        for (ServingRun r : p.runs()) {
            if (r.load() != null && r.load().status() != null && !r.overloaded()) {
                counts.merge(r.load().status(), 1L, Long::sum);
            }
        }
        SustainedLoad.Status best = null;
        for (Map.Entry<SustainedLoad.Status, Long> e : counts.entrySet()) {
            if (best == null || e.getValue() > counts.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** Runs of a point whose load verdict is {@code status}. */
    static long runsWith(ServingPoint p, SustainedLoad.Status status) {
        return p.runs().stream().filter(r -> r.load() != null && r.load().status() == status).count();
    }

    /**
     * "steady", "OVERLOADED" (loud: latencies are not steady-state), "too short to judge" or "not judged" (a closed
     * loop).
     */
    static String loadCell(ServingPoint.LoadResult load) {
        if (load == null) {
            return UNDEFINED;
        }
        return load.status() == null ? UNDEFINED : label(load.status());
    }

    /** A load verdict as a cell shows it. */
    static String label(SustainedLoad.Status status) {
        return switch (status) {
            case STEADY -> "steady";
            case OVERLOADED -> "OVERLOADED";
            case NOT_JUDGED -> "not judged";
            case TOO_SHORT -> TOO_SHORT;
        };
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}

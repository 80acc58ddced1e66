package dev.tokenmeter.scenario.offline;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.SvgChart;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline scenario's charts: throughput against batch size, the latency–throughput curve, cost against
 * interactivity, and decode MBU per point. One series per (prompt, output) length pair.
 */
final class OfflineCharts {
    static final String THROUGHPUT_TITLE = "Output throughput against batch size";
    static final String LATENCY_TITLE = "Latency against throughput (TPOT p50 vs output tok/s)";
    static final String COST_TITLE = "Cost per 1M output tokens against interactivity";
    static final String MBU_TITLE = "Decode memory-bandwidth utilization (MBU) per point";

    private OfflineCharts() {
    }

    static List<Figure> of(Result r) {
        List<OfflinePoint> points = r.points(OfflinePoint.class);
        Map<String, List<OfflinePoint>> bySeries = seriesOf(points);
        List<String> names = new ArrayList<>(bySeries.keySet());
        return List.of(throughput(bySeries), latency(bySeries), cost(bySeries, r), mbu(r, points, names));
    }

    /**
     * Points grouped by (prompt, output) pair, in the order the pairs first appear, each group by batch size: the
     * order in which the charts join them.
     */
    private static Map<String, List<OfflinePoint>> seriesOf(List<OfflinePoint> points) {
        Map<String, List<OfflinePoint>> out = new LinkedHashMap<>();
        for (OfflinePoint p : points) {
            out.computeIfAbsent(seriesName(p), k -> new ArrayList<>()).add(p);
        }
        out.values().forEach(l -> l.sort(Comparator.comparingInt(OfflinePoint::batch)));
        return out;
    }

    private static String seriesName(OfflinePoint p) {
        return "prompt " + p.promptLength() + ", output " + p.outputLength();
    }

    private static Figure throughput(Map<String, List<OfflinePoint>> bySeries) {
        SvgChart c = SvgChart.xy(THROUGHPUT_TITLE, "batch size (requests, log scale)", "output tok/s (median)")
                .logX();
        for (Map.Entry<String, List<OfflinePoint>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (OfflinePoint p : e.getValue()) {
                double y = p50(p.metrics() == null ? null : p.metrics().outputTokensPerSecond());
                pts.add(new SvgChart.Point(p.batch(), y, null, p.label() + ": " + TextTable.significant(y, 4)
                        + " output tok/s"));
            }
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "One line per (prompt, output) length pair. More concurrent requests share each"
                + " weight read, so throughput grows with batch until compute or the KV cache limits it."
                + c.skippedNote("its throughput is undefined"));
    }

    private static Figure latency(Map<String, List<OfflinePoint>> bySeries) {
        SvgChart c = SvgChart.xy(LATENCY_TITLE, "output tok/s (median, all requests)",
                "TPOT p50 (ms per output token)").xFromZero();
        for (Map.Entry<String, List<OfflinePoint>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (OfflinePoint p : e.getValue()) {
                PointMetrics m = p.metrics();
                double x = p50(m == null ? null : m.outputTokensPerSecond());
                double y = p50(m == null ? null : m.tpotMs());
                pts.add(new SvgChart.Point(x, y, "b" + p.batch(), p.label() + ": TPOT " + TextTable.significant(y, 4)
                        + " ms at " + TextTable.significant(x, 4) + " output tok/s"));
            }
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "Each point is one measured point, labelled with its batch size (b1 = batch 1)."
                + " Lower right is better: more throughput at less time per token."
                + c.skippedNote("TPOT is undefined with one output token per request"));
    }

    private static Figure cost(Map<String, List<OfflinePoint>> bySeries, Result r) {
        SvgChart c = SvgChart.xy(COST_TITLE, "interactivity (tok/s per user = 1000 / TPOT p50 ms)",
                "USD per 1M output tokens").xFromZero();
        boolean priced = false;
        for (Map.Entry<String, List<OfflinePoint>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (OfflinePoint p : e.getValue()) {
                double x = p.metrics() == null ? Double.NaN : p.metrics().interactivityTokensPerSecond();
                CostMetrics cm = p.cost();
                priced |= cm != null;
                double y = cm == null ? Double.NaN : cm.usdPerMillionOutput();
                pts.add(new SvgChart.Point(x, y, "b" + p.batch(), p.label() + ": $" + TextTable.significant(y, 3)
                        + " per 1M output tokens at " + TextTable.significant(x, 4) + " tok/s per user"));
            }
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, (priced ? "At " + RunDescription.price(r) + ". " : "No price applied, so no costs. ")
                + "Labels are batch sizes. Serving each user faster costs more per token: the curve is the price"
                + " of interactivity."
                + c.skippedNote("no price, or TPOT undefined with one output token per request"));
    }

    private static Figure mbu(Result r, List<OfflinePoint> points, List<String> seriesNames) {
        SvgChart c = SvgChart.bars(MBU_TITLE, "point (batch / prompt / output)", "decode MBU (% of measured)")
                .reference(100, "100% of measured bandwidth").barLegend(seriesNames);
        for (OfflinePoint p : points) {
            Utilization u = OfflineTable.utilization(p);
            double v = u == null ? Double.NaN : u.decodeMbu() * 100;
            c.bar("b" + p.batch() + " p" + p.promptLength() + " o" + p.outputLength(), v,
                    TextTable.fixed(v, 1) + "%", seriesNames.indexOf(seriesName(p)),
                    p.label() + ": decode MBU " + TextTable.fixed(v, 1) + "% of " + (u == null ? "?" : u.against()));
        }
        DeviceInfo device = r.environment() == null ? null : r.environment().device();
        String ceiling = device == null ? "" : "Against the measured ceiling of "
                + TextTable.bandwidth(device.measured().memoryBandwidth()) + " (" + device.measured().source()
                + "). ";
        return new Figure(c, ceiling + "Decode bytes (weights and KV cache read, every step) over decode time."
                + " Above 100% is a measurement error unless the working set fits in cache."
                + c.skippedNote("no decode steps with one output token per request"));
    }

    private static double p50(Summary s) {
        return s == null ? Double.NaN : s.p50();
    }
}

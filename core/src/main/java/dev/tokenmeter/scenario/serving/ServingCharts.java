package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.SvgChart;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The serving scenario's charts: TTFT p99 and TPOT p99 against achieved output throughput, a series per mode. */
final class ServingCharts {
    static final String TTFT_TITLE = "Serving: TTFT p99 against output throughput";
    static final String TPOT_TITLE = "Serving: TPOT p99 against output throughput";

    private ServingCharts() {
    }

    static List<Figure> of(List<ServingPoint> points) {
        return List.of(
                latency(points, TTFT_TITLE, "TTFT p99 (ms, arrival to first token)", "TTFT", ServingSummary::ttftMs,
                        "TTFT counts queueing: it climbs steeply once the offered load passes what the engine"
                                + " sustains."),
                latency(points, TPOT_TITLE, "TPOT p99 (ms per output token)", "TPOT", ServingSummary::tpotMs,
                        "Larger running batches share each step, so each user's tokens come slower as throughput"
                                + " grows."));
    }

    /** One latency's p99 against achieved output tok/s, a series per mode, joined in order of throughput. */
    private static Figure latency(List<ServingPoint> points, String title, String yTitle, String name,
            Function<ServingSummary, Summary> metric, String caption) {
        SvgChart c = SvgChart.xy(title, "output tok/s (achieved)", yTitle).xFromZero();
        Map<String, List<SvgChart.Point>> byMode = new LinkedHashMap<>();
        for (ServingPoint p : points) {
            // A repeated point at the medians of its runs, as in the table.
            double x = p.median(r -> r.metrics() == null ? Double.NaN : r.metrics().outputTokensPerSecond());
            double y = p.median(r -> {
                Summary s = r.metrics() == null ? null : metric.apply(r.metrics());
                return s == null ? Double.NaN : s.p99();
            });
            byMode.computeIfAbsent(p.mode().label(), k -> new ArrayList<>()).add(new SvgChart.Point(x, y, p.label(),
                    p.label() + ": " + name + " p99 " + TextTable.significant(y, 4) + " ms at "
                            + TextTable.significant(x, 4) + " output tok/s" + (p.overloaded() ? " (overloaded)" : "")));
        }
        for (Map.Entry<String, List<SvgChart.Point>> e : byMode.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>(e.getValue());
            pts.sort(Comparator.comparingDouble(SvgChart.Point::x));
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "Each point is one measured serving point, labelled with its name. " + caption
                + c.skippedNote(name + " is undefined (one output token per request)"));
    }
}

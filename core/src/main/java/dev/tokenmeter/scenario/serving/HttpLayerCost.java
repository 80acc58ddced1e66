package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.Notice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * What the HTTP layer cost in a side-by-side run: for each load measured both on the engine in this process and
 * through the endpoint, one note with the endpoint's TTFT, ITL and throughput against the in-process figures, in
 * milliseconds and per cent (medians over a point's runs). On the same host, against {@code tokenmeter server} on
 * the same model, the difference is the HTTP layer, the client and the server's own process together.
 */
final class HttpLayerCost {
    private HttpLayerCost() {
    }

    /** One note per load measured both ways, in the order of the points; none for a run of one target. */
    static List<Notice> of(List<ServingPoint> points) {
        Map<String, ServingPoint[]> byLoad = new LinkedHashMap<>();
        for (ServingPoint p : points) {
            String suffix = " " + p.target();
            if (!p.label().endsWith(suffix)) {
                continue;
            }
            String load = p.label().substring(0, p.label().length() - suffix.length());
            ServingPoint[] pair = byLoad.computeIfAbsent(load, k -> new ServingPoint[2]);
            pair[TargetSpec.IN_PROCESS.equals(p.target()) ? 0 : 1] = p;
        }
        List<Notice> out = new ArrayList<>();
        for (Map.Entry<String, ServingPoint[]> e : byLoad.entrySet()) {
            ServingPoint local = e.getValue()[0];
            ServingPoint http = e.getValue()[1];
            if (local == null || http == null) {
                continue;
            }
            out.add(new Notice(Notice.Level.NOTE, e.getKey(), "the HTTP layer (endpoint against in-process): "
                    + String.join("; ", List.of(
                            latency("TTFT p50", local, http, ServingSummary::ttftMs, Summary::p50),
                            latency("TTFT p99", local, http, ServingSummary::ttftMs, Summary::p99),
                            latency("ITL p50", local, http, ServingSummary::itlMs, Summary::p50),
                            latency("ITL p99", local, http, ServingSummary::itlMs, Summary::p99),
                            rate("output tok/s", local, http, ServingSummary::outputTokensPerSecond)))));
        }
        return out;
    }

    private static String latency(String name, ServingPoint local, ServingPoint http,
            Function<ServingSummary, Summary> metric, ToDoubleFunction<Summary> figure) {
        ToDoubleFunction<ServingRun> of = ServingTable.summary(metric, figure);
        double a = local.median(of);
        double b = http.median(of);
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return name + " -";
        }
        return String.format(Locale.ROOT, "%s %s ms (%s, %.4g against %.4g ms)", name, signed(b - a),
                percent(a, b), b, a);
    }

    private static String rate(String name, ServingPoint local, ServingPoint http,
            ToDoubleFunction<ServingSummary> figure) {
        ToDoubleFunction<ServingRun> of = ServingTable.metric(figure);
        double a = local.median(of);
        double b = http.median(of);
        return String.format(Locale.ROOT, "%s %s (%.4g against %.4g)", name, percent(a, b), b, a);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4g", v);
    }

    private static String percent(double a, double b) {
        return a == 0 || Double.isNaN(a) || Double.isNaN(b) ? "-"
                : String.format(Locale.ROOT, "%+.1f%%", 100 * (b - a) / a);
    }
}

package dev.tokenmeter.scenario.fleet;

import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.SvgChart;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's per-GPU charts, one per point the ranks measured: each GPU's output rate against the fleet median and
 * the plan's percentile, stragglers and GPUs with wrong answers in their own colours. Up to {@value #MAX_BARS} GPUs
 * as one bar each, in rank order; a larger fleet as its GPUs sorted by rate, so that the slow tail shows.
 */
final class FleetCharts {
    static final int MAX_BARS = 64;
    private static final List<String> LEGEND = List.of("GPU", "straggler", "wrong answers");

    private FleetCharts() {
    }

    static List<Figure> of(Result result) {
        FleetSpec spec = (FleetSpec) result.spec().scenario();
        List<FleetPoint> points = result.points(FleetPoint.class);
        Map<String, List<FleetPoint>> byPoint = new LinkedHashMap<>();
        for (FleetPoint p : points) {
            if (p.measured()) {
                byPoint.computeIfAbsent(p.pointLabel(), k -> new ArrayList<>()).add(p);
            }
        }
        List<FleetSummary> summaries = FleetSummary.of(points, spec.planPercentile());
        List<Figure> out = new ArrayList<>();
        for (FleetSummary s : summaries) {
            out.add(chart(s, byPoint.get(s.point()), spec));
        }
        return out;
    }

    private static Figure chart(FleetSummary s, List<FleetPoint> gpus, FleetSpec spec) {
        String title = "Output tok/s per GPU: " + s.point();
        String reference = "fleet median " + significant(s.median(), 4);
        String plan = "p" + FleetScenario.plainPercent(spec.planPercentile()) + " " + significant(
                s.planTokensPerSecond(), 4);
        if (gpus.size() <= MAX_BARS) {
            SvgChart c = SvgChart.bars(title, "GPU (rank: node)", "output tok/s").reference(s.median(), reference)
                    .barLegend(LEGEND);
            for (FleetPoint p : gpus) {
                c.bar(p.rank() + ": " + p.node(), p.outputTokensPerSecond(), significant(p.outputTokensPerSecond(), 3),
                        colour(p), p.label() + ": " + significant(p.outputTokensPerSecond(), 4) + " output tok/s, "
                                + FleetTable.stragglerCell(p) + ", answers " + FleetTable.answersCell(p));
            }
            return new Figure(c, "One bar per GPU, in rank order; the line is the fleet's median GPU; plans rest on"
                    + " the " + plan + " output tok/s GPU. " + caption(s));
        }
        SvgChart c = SvgChart.xy(title, "GPUs, slowest first", "output tok/s").reference(s.median(), reference);
        List<FleetPoint> sorted = new ArrayList<>(gpus);
        sorted.sort(Comparator.comparingDouble(FleetPoint::outputTokensPerSecond));
        List<List<SvgChart.Point>> series = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < sorted.size(); i++) {
            FleetPoint p = sorted.get(i);
            series.get(colour(p)).add(new SvgChart.Point(i + 1, p.outputTokensPerSecond(), null, p.label() + ": "
                    + significant(p.outputTokensPerSecond(), 4) + " output tok/s"));
        }
        for (int k = 0; k < LEGEND.size(); k++) {
            if (!series.get(k).isEmpty()) {
                c.series(LEGEND.get(k), series.get(k), false);
            }
        }
        return new Figure(c, "Every GPU, sorted by its output rate (" + gpus.size() + " GPUs); the line is the"
                + " fleet's median GPU; plans rest on the " + plan + " output tok/s GPU. " + caption(s));
    }

    private static String caption(FleetSummary s) {
        return (s.stragglers() == 0 ? "No straggler." : s.stragglers() + " straggler" + (s.stragglers() == 1 ? ""
                : "s") + " in orange.") + " GPUs with wrong answers in red.";
    }

    /** 0 a GPU, 1 a straggler, 2 wrong answers (which matter more). */
    private static int colour(FleetPoint p) {
        if (p.answers() != null && p.answers().wrong()) {
            return 2;
        }
        return p.straggler() != null && p.straggler().slow() ? 1 : 0;
    }
}

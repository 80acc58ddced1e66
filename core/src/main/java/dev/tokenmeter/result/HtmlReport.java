package dev.tokenmeter.result;

import static dev.tokenmeter.result.SvgChart.escape;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Utilization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link Result} as one self-contained HTML file: the run's summary, its warnings (errors first and
 * loud), the table of points, and four charts drawn as inline SVG — throughput against batch size, the
 * latency–throughput curve, cost against interactivity, and decode MBU per point. No script, font, style sheet or
 * image is fetched, so the file can be attached to a CI run or mailed and still show the same. Every piece of
 * text from the result is escaped. The output is also well-formed XML, which lets tests parse it strictly.
 */
public final class HtmlReport {
    public static final String THROUGHPUT_TITLE = "Output throughput against batch size";
    public static final String LATENCY_TITLE = "Latency against throughput (TPOT p50 vs output tok/s)";
    public static final String COST_TITLE = "Cost per 1M output tokens against interactivity";
    public static final String MBU_TITLE = "Decode memory-bandwidth utilization (MBU) per point";
    public static final String SERVING_TTFT_TITLE = "Serving: TTFT p99 against output throughput";
    public static final String SERVING_TPOT_TITLE = "Serving: TPOT p99 against output throughput";

    private static final String STYLE = String.join("\n",
            "body{font-family:'DejaVu Sans','Liberation Sans',Arial,Helvetica,sans-serif;margin:24px;color:#1d1d1d;"
                    + "background:#fafafa;font-size:14px;line-height:1.4}",
            "main{max-width:1240px;margin:0 auto}",
            "h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 10px}",
            "dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0}",
            "dl.summary dt{font-weight:bold;color:#444}dl.summary dd{margin:0}",
            ".alert{border-left:6px solid;padding:8px 14px;margin:12px 0;border-radius:3px}",
            ".alert ul{margin:4px 0;padding-left:20px}",
            ".alert.error{background:#fdecea;border-color:#c0392b;color:#7b1d14}",
            ".alert.warning{background:#fff6e0;border-color:#e6a700}",
            ".alert.note{background:#eef4fb;border-color:#4e79a7}",
            ".alert h2{margin:0;font-size:15px}",
            ".table-scroll{overflow-x:auto}",
            "table.points{border-collapse:collapse;background:#fff;font-size:13px}",
            "table.points th,table.points td{border:1px solid #d8d8d8;padding:3px 7px;text-align:right;"
                    + "white-space:nowrap}",
            "table.points th{background:#f0f0f0;white-space:normal;vertical-align:bottom;min-width:3em}",
            "table.points tr.error td{background:#fdecea}",
            ".footnote{font-size:12px;color:#555;margin:6px 0}",
            ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:18px}",
            "figure{margin:0;background:#fff;border:1px solid #e0e0e0;border-radius:4px;padding:8px}",
            "figure svg{max-width:100%;height:auto;display:block;margin:0 auto}",
            "figcaption{font-size:12px;color:#555;margin:4px 8px}",
            "footer{margin-top:28px;font-size:12px;color:#666}");

    private HtmlReport() {
    }

    public static String render(Result r) {
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        String heading = "tokenmeter: " + (spec == null ? "?" : spec.model().name())
                + (device == null ? "" : " on " + device.name()) + (r.complete() ? "" : " (INCOMPLETE)");

        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<meta name=\"generator\" content=\"tokenmeter\"/>\n")
                .append("<title>").append(escape(heading)).append("</title>\n")
                .append("<style>\n").append(STYLE).append("\n</style>\n</head>\n<body>\n<main>\n");

        sb.append("<header>\n<h1>").append(escape(heading)).append("</h1>\n");
        summary(sb, r);
        sb.append("</header>\n");

        notices(sb, Notice.of(r));

        if (ConsoleTable.showsOfflineTable(r)) {
            sb.append("<section id=\"points\">\n<h2>Points</h2>\n");
            table(sb, r.points());
            String imprecise = ConsoleTable.imprecisionNote(r.points());
            if (imprecise != null) {
                sb.append("<p class=\"footnote\">").append(escape(imprecise)).append("</p>\n");
            }
            sb.append("<p class=\"footnote\">Medians over trials unless marked. Undefined figures show as"
                    + " \u201c-\u201d (TPOT, ITL and decode figures need more than one output token per request)."
                    + "</p>\n");
            sb.append("</section>\n");
        }
        if (!r.servingPoints().isEmpty()) {
            sb.append("<section id=\"serving-points\">\n<h2>Serving points</h2>\n");
            servingTable(sb, r.servingPoints());
            sb.append("<p class=\"footnote\">Latencies over the completed requests of each point, counted from each"
                    + " request's scheduled arrival (queueing included); rates per second of the point's duration."
                    + " SLO: every SLO met at its percentile; goodput: requests per second that met every limit."
                    + " Undefined figures show as \u201c-\u201d.</p>\n");
            sb.append("</section>\n");
        }

        sb.append("<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
        for (Figure fig : figures(r)) {
            sb.append("<figure>\n").append(fig.chart().render()).append('\n');
            if (!fig.caption().isEmpty()) {
                sb.append("<figcaption>").append(escape(fig.caption())).append("</figcaption>\n");
            }
            sb.append("</figure>\n");
        }
        sb.append("</div>\n</section>\n");

        sb.append("<footer>Generated by tokenmeter ").append(escape(env == null ? "?" : env.tokenmeterVersion()))
                .append(" from a result of schema version ").append(r.schemaVersion())
                .append(". The same result as JSON holds every trial; see docs/result-schema.md.</footer>\n");
        sb.append("</main>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static void summary(StringBuilder sb, Result r) {
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        sb.append("<dl class=\"summary\">\n");
        entry(sb, "Run", String.format(Locale.ROOT, "%s, %d point%s, %s to %s", r.scenario(),
                ConsoleTable.pointCount(r), ConsoleTable.pointCount(r) == 1 ? "" : "s", r.startedAt(),
                r.finishedAt()));
        if (spec != null) {
            entry(sb, "Model", ConsoleTable.shape(spec.model()));
            String backend = device == null ? spec.backend() : device.backend();
            if (device != null && !spec.backend().equalsIgnoreCase(device.backend())) {
                backend += " (asked: " + spec.backend() + ")";
            }
            entry(sb, "Backend", backend + ", seed " + spec.seed());
        }
        if (device != null) {
            entry(sb, "Device", String.format(Locale.ROOT, "%s (%s, %d %s, %s memory)", device.name(),
                    device.kind(), device.computeUnits(), "gpu".equals(device.kind()) ? "SMs" : "cores",
                    TextTable.bytes(device.memoryBytes())));
            entry(sb, "Ceilings", ConsoleTable.ceilings(device.measured())
                    + (device.datasheet() == null ? "" : "; " + ConsoleTable.ceilings(device.datasheet())));
        }
        entry(sb, "Price", ConsoleTable.price(r));
        String slos = ConsoleTable.slos(r);
        if (slos != null) {
            entry(sb, "SLO", slos);
        }
        if (spec != null && spec.measurement() != null && ConsoleTable.showsOfflineTable(r)) {
            entry(sb, "Trials", ConsoleTable.trials(spec.measurement()));
        }
        if (env != null) {
            entry(sb, "Host", env.cpu() + ", " + env.cpuCores() + " cores; " + env.os() + "; " + env.jvm());
            entry(sb, "Build", "tokenmeter " + env.tokenmeterVersion() + " (" + env.gitCommit() + ")");
        }
        sb.append("</dl>\n");
    }

    private static void entry(StringBuilder sb, String name, String value) {
        sb.append("<dt>").append(escape(name)).append("</dt><dd>").append(escape(value)).append("</dd>\n");
    }

    /** Errors in a red box at the top, then warnings, then notes: nothing that changes a figure is hidden. */
    private static void notices(StringBuilder sb, List<Notice> notices) {
        for (Notice.Level level : Notice.Level.values()) {
            List<Notice> these = notices.stream().filter(n -> n.level() == level).toList();
            if (these.isEmpty()) {
                continue;
            }
            String cls = level.name().toLowerCase(Locale.ROOT);
            String title = level == Notice.Level.ERROR ? "Errors: some figures are wrong or missing"
                    : level == Notice.Level.WARNING ? "Warnings" : "Notes";
            sb.append("<section class=\"alert ").append(cls).append("\" role=\"")
                    .append(level == Notice.Level.ERROR ? "alert" : "note").append("\">\n<h2>").append(title)
                    .append("</h2>\n<ul>\n");
            for (Notice n : these) {
                sb.append("<li>");
                if (level == Notice.Level.ERROR) {
                    sb.append("<strong>").append(escape(n.message())).append("</strong>");
                } else {
                    sb.append(escape(n.message()));
                }
                sb.append("</li>\n");
            }
            sb.append("</ul>\n</section>\n");
        }
    }

    private static void table(StringBuilder sb, List<PointResult> points) {
        sb.append("<div class=\"table-scroll\">\n<table class=\"points\">\n<thead><tr>");
        for (String h : ConsoleTable.HEADLINE_COLUMNS) {
            sb.append("<th scope=\"col\">").append(escape(h)).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (PointResult p : points) {
            boolean error = Notice.ofPoint(p).stream().anyMatch(n -> n.level() == Notice.Level.ERROR);
            sb.append(error ? "<tr class=\"error\">" : "<tr>");
            for (String cell : ConsoleTable.headlineCells(p)) {
                sb.append("<td>").append(escape(cell)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n</div>\n");
    }

    private static void servingTable(StringBuilder sb, List<ServingPointResult> points) {
        sb.append("<div class=\"table-scroll\">\n<table class=\"points serving\">\n<thead><tr>");
        for (String h : ConsoleTable.SERVING_COLUMNS) {
            sb.append("<th scope=\"col\">").append(escape(h)).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (ServingPointResult p : points) {
            sb.append("<tr>");
            String[] cells = ConsoleTable.servingCells(p);
            for (int i = 0; i < cells.length; i++) {
                boolean text = ConsoleTable.SERVING_TEXT_COLUMNS.contains(ConsoleTable.SERVING_COLUMNS.get(i));
                sb.append(text ? "<td style=\"text-align:left\">" : "<td>").append(escape(cells[i]))
                        .append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n</div>\n");
    }

    /** A chart and the sentence under it. */
    record Figure(SvgChart chart, String caption) {
    }

    /** The charts, in the report's order: the four offline ones, then the two serving ones where it has any. */
    static List<Figure> figures(Result r) {
        List<Figure> out = new ArrayList<>();
        if (ConsoleTable.showsOfflineTable(r)) {
            Map<String, List<PointResult>> bySeries = seriesOf(r.points());
            List<String> names = new ArrayList<>(bySeries.keySet());
            out.addAll(List.of(throughput(bySeries), latency(bySeries), cost(bySeries, r), mbu(r, names)));
        }
        if (!r.servingPoints().isEmpty()) {
            out.add(servingLatency(r.servingPoints(), SERVING_TTFT_TITLE, "TTFT p99 (ms, arrival to first token)",
                    "TTFT", ServingSummary::ttftMs, "TTFT counts queueing: it climbs steeply once the offered load"
                            + " passes what the engine sustains."));
            out.add(servingLatency(r.servingPoints(), SERVING_TPOT_TITLE, "TPOT p99 (ms per output token)", "TPOT",
                    ServingSummary::tpotMs, "Larger running batches share each step, so each user's tokens come"
                            + " slower as throughput grows."));
        }
        return out;
    }

    /** One latency's p99 against achieved output tok/s, a series per mode, joined in order of throughput. */
    private static Figure servingLatency(List<ServingPointResult> points, String title, String yTitle, String name,
            java.util.function.Function<ServingSummary, dev.tokenmeter.measure.Summary> metric, String caption) {
        SvgChart c = SvgChart.xy(title, "output tok/s (achieved)", yTitle).xFromZero();
        Map<String, List<SvgChart.Point>> byMode = new LinkedHashMap<>();
        for (ServingPointResult p : points) {
            ServingSummary m = p.metrics();
            double x = m == null ? Double.NaN : m.outputTokensPerSecond();
            dev.tokenmeter.measure.Summary s = m == null ? null : metric.apply(m);
            double y = s == null ? Double.NaN : s.p99();
            byMode.computeIfAbsent(p.mode(), k -> new ArrayList<>()).add(new SvgChart.Point(x, y, p.label(),
                    p.label() + ": " + name + " p99 " + TextTable.significant(y, 4) + " ms at "
                            + TextTable.significant(x, 4) + " output tok/s"
                            + (p.load() != null && p.load().overloaded() ? " (overloaded)" : "")));
        }
        for (Map.Entry<String, List<SvgChart.Point>> e : byMode.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>(e.getValue());
            pts.sort(Comparator.comparingDouble(SvgChart.Point::x));
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "Each point is one measured serving point, labelled with its name. " + caption
                + skippedNote(c, name + " is undefined (one output token per request)"));
    }

    /**
     * Points grouped by (prompt, output) pair, in the order the pairs first appear, each group by batch size: the
     * order in which the charts join them.
     */
    private static Map<String, List<PointResult>> seriesOf(List<PointResult> points) {
        Map<String, List<PointResult>> out = new LinkedHashMap<>();
        for (PointResult p : points) {
            out.computeIfAbsent(seriesName(p), k -> new ArrayList<>()).add(p);
        }
        out.values().forEach(l -> l.sort(Comparator.comparingInt(PointResult::batch)));
        return out;
    }

    private static String seriesName(PointResult p) {
        return "prompt " + p.promptLength() + ", output " + p.outputLength();
    }

    private static Figure throughput(Map<String, List<PointResult>> bySeries) {
        SvgChart c = SvgChart.xy(THROUGHPUT_TITLE, "batch size (requests, log scale)", "output tok/s (median)")
                .logX();
        for (Map.Entry<String, List<PointResult>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (PointResult p : e.getValue()) {
                double y = p50(p.metrics() == null ? null : p.metrics().outputTokensPerSecond());
                pts.add(new SvgChart.Point(p.batch(), y, null, Notice.pointLabel(p) + ": "
                        + TextTable.significant(y, 4) + " output tok/s"));
            }
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "One line per (prompt, output) length pair. More concurrent requests share each"
                + " weight read, so throughput grows with batch until compute or the KV cache limits it."
                + skippedNote(c, "its throughput is undefined"));
    }

    private static Figure latency(Map<String, List<PointResult>> bySeries) {
        SvgChart c = SvgChart.xy(LATENCY_TITLE, "output tok/s (median, all requests)",
                "TPOT p50 (ms per output token)").xFromZero();
        for (Map.Entry<String, List<PointResult>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (PointResult p : e.getValue()) {
                PointMetrics m = p.metrics();
                double x = p50(m == null ? null : m.outputTokensPerSecond());
                double y = p50(m == null ? null : m.tpotMs());
                pts.add(new SvgChart.Point(x, y, "b" + p.batch(), Notice.pointLabel(p) + ": TPOT "
                        + TextTable.significant(y, 4) + " ms at " + TextTable.significant(x, 4) + " output tok/s"));
            }
            c.series(e.getKey(), pts, true);
        }
        return new Figure(c, "Each point is one measured point, labelled with its batch size (b1 = batch 1)."
                + " Lower right is better: more throughput at less time per token."
                + skippedNote(c, "TPOT is undefined with one output token per request"));
    }

    private static Figure cost(Map<String, List<PointResult>> bySeries, Result r) {
        SvgChart c = SvgChart.xy(COST_TITLE, "interactivity (tok/s per user = 1000 / TPOT p50 ms)",
                "USD per 1M output tokens").xFromZero();
        for (Map.Entry<String, List<PointResult>> e : bySeries.entrySet()) {
            List<SvgChart.Point> pts = new ArrayList<>();
            for (PointResult p : e.getValue()) {
                double x = p.metrics() == null ? Double.NaN : p.metrics().interactivityTokensPerSecond();
                CostMetrics cm = p.cost();
                double y = cm == null ? Double.NaN : cm.usdPerMillionOutput();
                pts.add(new SvgChart.Point(x, y, "b" + p.batch(), Notice.pointLabel(p) + ": $"
                        + TextTable.significant(y, 3) + " per 1M output tokens at "
                        + TextTable.significant(x, 4) + " tok/s per user"));
            }
            c.series(e.getKey(), pts, true);
        }
        boolean priced = r.points().stream().anyMatch(p -> p.cost() != null);
        return new Figure(c, (priced ? "At " + ConsoleTable.price(r) + ". " : "No price applied, so no costs. ")
                + "Labels are batch sizes. Serving each user faster costs more per token: the curve is the price"
                + " of interactivity."
                + skippedNote(c, "no price, or TPOT undefined with one output token per request"));
    }

    private static Figure mbu(Result r, List<String> seriesNames) {
        SvgChart c = SvgChart.bars(MBU_TITLE, "point (batch / prompt / output)", "decode MBU (% of measured)")
                .reference(100, "100% of measured bandwidth").barLegend(seriesNames);
        for (PointResult p : r.points()) {
            Utilization u = p.roofline() == null ? null : p.roofline().measured();
            double v = u == null ? Double.NaN : u.decodeMbu() * 100;
            c.bar("b" + p.batch() + " p" + p.promptLength() + " o" + p.outputLength(), v,
                    TextTable.fixed(v, 1) + "%", seriesNames.indexOf(seriesName(p)),
                    Notice.pointLabel(p) + ": decode MBU " + TextTable.fixed(v, 1) + "% of "
                            + (u == null ? "?" : u.against()));
        }
        DeviceInfo device = r.environment() == null ? null : r.environment().device();
        String ceiling = device == null ? "" : "Against the measured ceiling of "
                + TextTable.bandwidth(device.measured().memoryBandwidth()) + " (" + device.measured().source()
                + "). ";
        return new Figure(c, ceiling + "Decode bytes (weights and KV cache read, every step) over decode time."
                + " Above 100% is a measurement error unless the working set fits in cache."
                + skippedNote(c, "no decode steps with one output token per request"));
    }

    /** "2 points are left out: why.", or nothing when every point is drawn. */
    private static String skippedNote(SvgChart c, String why) {
        int n = c.skipped();
        return n == 0 ? "" : " " + n + " point" + (n == 1 ? " is" : "s are") + " left out: " + why + ".";
    }

    private static double p50(dev.tokenmeter.measure.Summary s) {
        return s == null ? Double.NaN : s.p50();
    }
}

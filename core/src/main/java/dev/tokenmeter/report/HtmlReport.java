package dev.tokenmeter.report;

import static dev.tokenmeter.result.SvgChart.escape;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Result} of any scenario as one self-contained HTML file: the run's summary, its warnings (errors
 * first and loud), the scenario's table, and the scenario's charts drawn as inline SVG. No script, font, style
 * sheet or image is fetched, so the file can be attached to a CI run or mailed and still show the same. Every piece
 * of text from the result is escaped. The output is also well-formed XML, which lets tests parse it strictly.
 */
public final class HtmlReport {
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
        String heading = "tokenmeter: " + spec.model().name() + (device == null ? "" : " on " + device.name())
                + (r.complete() ? "" : " (INCOMPLETE)");

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

        ScenarioType<?, ?> type = r.type();
        String title = type.tables().title();
        sb.append("<section id=\"").append(title.toLowerCase(Locale.ROOT).replace(' ', '-')).append("\">\n<h2>")
                .append(escape(title)).append("</h2>\n");
        table(sb, type, r);
        for (String f : Reports.footnotes(r)) {
            sb.append("<p class=\"footnote\">").append(escape(f)).append("</p>\n");
        }
        sb.append("<p class=\"footnote\">").append(escape(type.legend())).append("</p>\n");
        sb.append("</section>\n");
        telemetry(sb, TelemetrySection.of(r));

        sb.append("<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
        for (Figure fig : type.figures(r)) {
            sb.append("<figure>\n").append(fig.chart().render()).append('\n');
            if (!fig.caption().isEmpty()) {
                sb.append("<figcaption>").append(escape(fig.caption())).append("</figcaption>\n");
            }
            sb.append("</figure>\n");
        }
        sb.append("</div>\n</section>\n");

        sb.append("<footer>Generated by tokenmeter ").append(escape(env == null ? "?" : env.tokenmeterVersion()))
                .append(" from a result of schema version ").append(r.schemaVersion())
                .append(". The same result as JSON holds every trial and request; see docs/result-schema.md."
                        + "</footer>\n");
        sb.append("</main>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static void summary(StringBuilder sb, Result r) {
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        sb.append("<dl class=\"summary\">\n");
        int n = r.points().size();
        entry(sb, "Run", String.format(Locale.ROOT, "%s, %d point%s, %s to %s", r.scenario(), n, n == 1 ? "" : "s",
                r.startedAt(), r.finishedAt()));
        entry(sb, "Model", RunDescription.shape(spec.model()));
        entry(sb, "Backend", RunDescription.backend(r) + ", seed " + spec.seed());
        if (device != null) {
            entry(sb, "Device", RunDescription.device(env));
            entry(sb, "Ceilings", RunDescription.ceilings(device.measured())
                    + (device.datasheet() == null ? "" : "; " + RunDescription.ceilings(device.datasheet())));
        }
        String host = RunDescription.host(env);
        if (host != null) {
            entry(sb, "Host", host);
        }
        entry(sb, "Price", RunDescription.price(r));
        for (Detail d : Reports.details(r)) {
            entry(sb, d.name(), d.text());
        }
        if (env != null) {
            entry(sb, "Host", env.cpu() + ", " + env.cpuCores() + " cores; " + env.os() + "; " + env.jvm());
            entry(sb, "Build", "tokenmeter " + env.tokenmeterVersion() + " (" + env.gitCommit() + ")");
        }
        sb.append("</dl>\n");
    }

    /** The device's telemetry: its lines and a table of the points, or the one line saying why there is none. */
    private static void telemetry(StringBuilder sb, DeviceTelemetry t) {
        String unavailable = TelemetrySection.unavailableLine(t);
        if (unavailable != null) {
            sb.append("<section id=\"telemetry\">\n<p class=\"footnote\">").append(escape(unavailable))
                    .append("</p>\n</section>\n");
            return;
        }
        if (!TelemetrySection.hasFigures(t)) {
            return;
        }
        sb.append("<section id=\"telemetry\">\n<h2>Telemetry</h2>\n<dl class=\"summary\">\n");
        for (Detail d : TelemetrySection.lines(t)) {
            entry(sb, d.name(), d.text());
        }
        sb.append("</dl>\n");
        if (!t.windows().isEmpty()) {
            String[] headers = TelemetrySection.headers();
            sb.append("<div class=\"table-scroll\">\n<table class=\"points telemetry\">\n<thead><tr>");
            for (String h : headers) {
                sb.append("<th scope=\"col\">").append(escape(h)).append("</th>");
            }
            sb.append("</tr></thead>\n<tbody>\n");
            for (String[] row : TelemetrySection.rows(t)) {
                sb.append("<tr>");
                for (int i = 0; i < row.length; i++) {
                    sb.append(TelemetrySection.text(i) ? "<td style=\"text-align:left\">" : "<td>")
                            .append(escape(row[i])).append("</td>");
                }
                sb.append("</tr>\n");
            }
            sb.append("</tbody>\n</table>\n</div>\n");
        }
        sb.append("</section>\n");
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

    /** The scenario's table; a row whose point has an error notice is marked. */
    private static <S extends ScenarioSpec, P extends ScenarioPoint> void table(StringBuilder sb,
            ScenarioType<S, P> type, Result r) {
        List<Column<P>> columns = type.tables().table();
        sb.append("<div class=\"table-scroll\">\n<table class=\"").append(escape(type.tables().htmlClass()))
                .append("\">\n<thead><tr>");
        for (Column<P> c : columns) {
            sb.append("<th scope=\"col\">").append(escape(c.header())).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (P p : r.points(type.pointType())) {
            boolean error = type.notices(p).stream().anyMatch(n -> n.level() == Notice.Level.ERROR);
            sb.append(error ? "<tr class=\"error\">" : "<tr>");
            String[] cells = Reports.cells(columns, p);
            for (int i = 0; i < cells.length; i++) {
                sb.append(columns.get(i).text() ? "<td style=\"text-align:left\">" : "<td>").append(escape(cells[i]))
                        .append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n</div>\n");
    }
}

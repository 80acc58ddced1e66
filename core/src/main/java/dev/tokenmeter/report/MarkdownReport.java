package dev.tokenmeter.report;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Environment;
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
 * Renders a {@link Result} of any scenario as GitHub-flavoured Markdown, for pull-request comments and CI job
 * summaries: a heading, the run in a short list (model, backend, device, price, the scenario's own lines), the
 * scenario's table, its footnotes, then the notices as a list with errors in bold. Every piece of text from the
 * result is escaped, so a model name or a warning cannot break the table or inject markup.
 */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    public static String render(Result r) {
        StringBuilder sb = new StringBuilder();
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        sb.append("## tokenmeter: ").append(escape(spec.model().name()));
        if (device != null) {
            sb.append(" on ").append(escape(device.name()));
        }
        if (!r.complete()) {
            sb.append(" (INCOMPLETE)");
        }
        sb.append("\n\n");

        int n = r.points().size();
        item(sb, "Run", String.format(Locale.ROOT, "%s, %d point%s, %s to %s", r.scenario(), n, n == 1 ? "" : "s",
                r.startedAt(), r.finishedAt())
                + (env == null ? "" : ", tokenmeter " + env.tokenmeterVersion() + " (" + env.gitCommit() + ")"));
        item(sb, "Model", RunDescription.shape(spec.model()));
        item(sb, "Backend", RunDescription.backend(r) + ", seed " + spec.seed());
        if (device != null) {
            String ceilings = RunDescription.ceilings(device.measured())
                    + (device.datasheet() == null ? "" : "; " + RunDescription.ceilings(device.datasheet()));
            item(sb, "Device", RunDescription.device(env) + "; " + ceilings);
        }
        String host = RunDescription.host(env);
        if (host != null) {
            item(sb, "Host", host);
        }
        item(sb, "Price", RunDescription.price(r));
        for (Detail d : Reports.details(r)) {
            item(sb, d.name(), d.text());
        }
        sb.append('\n');

        table(sb, r.type(), r);
        for (String f : Reports.footnotes(r)) {
            sb.append('\n').append(escape(f)).append('\n');
        }
        telemetry(sb, TelemetrySection.of(r));

        List<Notice> notices = Notice.of(r);
        if (!notices.isEmpty()) {
            sb.append("\n### Warnings\n\n");
            for (Notice note : notices) {
                switch (note.level()) {
                    case ERROR -> sb.append("- **").append(escape(note.message())).append("**\n");
                    case WARNING -> sb.append("- ").append(escape(note.message())).append('\n');
                    default -> sb.append("- note: ").append(escape(note.message())).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** The device's telemetry: its lines and a table of the points, or the one line saying why there is none. */
    private static void telemetry(StringBuilder sb, DeviceTelemetry t) {
        String unavailable = TelemetrySection.unavailableLine(t);
        if (unavailable != null) {
            sb.append('\n').append(escape(unavailable)).append('\n');
            return;
        }
        if (!TelemetrySection.hasFigures(t)) {
            return;
        }
        sb.append("\n### Telemetry\n\n");
        for (Detail d : TelemetrySection.lines(t)) {
            item(sb, d.name(), d.text());
        }
        if (t.windows().isEmpty()) {
            return;
        }
        String[] headers = TelemetrySection.headers();
        sb.append("\n|");
        for (String h : headers) {
            sb.append(' ').append(escape(h)).append(" |");
        }
        sb.append("\n|");
        for (int i = 0; i < headers.length; i++) {
            sb.append(TelemetrySection.text(i) ? "---|" : "---:|");
        }
        sb.append('\n');
        for (String[] row : TelemetrySection.rows(t)) {
            sb.append('|');
            for (String cell : row) {
                sb.append(' ').append(escape(cell)).append(" |");
            }
            sb.append('\n');
        }
    }

    private static void item(StringBuilder sb, String name, String text) {
        sb.append("- **").append(name).append("**: ").append(escape(text)).append('\n');
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> void table(StringBuilder sb,
            ScenarioType<S, P> type, Result r) {
        List<Column<P>> columns = type.tables().table();
        sb.append('|');
        for (Column<P> c : columns) {
            sb.append(' ').append(escape(c.header())).append(" |");
        }
        sb.append("\n|");
        for (Column<P> c : columns) {
            sb.append(c.text() ? "---|" : "---:|");
        }
        sb.append('\n');
        for (P p : r.points(type.pointType())) {
            sb.append('|');
            for (String cell : Reports.cells(columns, p)) {
                sb.append(' ').append(escape(cell)).append(" |");
            }
            sb.append('\n');
        }
    }

    /**
     * Text with Markdown's inline syntax characters backslash-escaped (CommonMark allows that for any ASCII
     * punctuation): emphasis, code, links, HTML, table pipes, GitHub's strikethrough and its {@code $} math.
     * Line breaks become spaces so that a list item or a table row stays on one line.
     */
    public static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if ("\\`*_[]<>|~$#".indexOf(ch) >= 0) {
                sb.append('\\').append(ch);
            } else if (ch == '\n' || ch == '\r') {
                sb.append(' ');
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}

package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Result} as GitHub-flavoured Markdown, for pull-request comments and CI job summaries: a
 * heading, the run in a short list (model, backend, device, price, trials), a table of the points with the
 * console table's headline columns, then the notices as a list with errors in bold. Every piece of text from
 * the result is escaped, so a model name or a warning cannot break the table or inject markup.
 */
public final class MarkdownRenderer {
    private MarkdownRenderer() {
    }

    public static String render(Result r) {
        StringBuilder sb = new StringBuilder();
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        sb.append("## tokenmeter: ").append(escape(spec == null ? "?" : spec.model().name()));
        if (device != null) {
            sb.append(" on ").append(escape(device.name()));
        }
        if (!r.complete()) {
            sb.append(" (INCOMPLETE)");
        }
        sb.append("\n\n");

        item(sb, "Run", String.format(Locale.ROOT, "%s, %d point%s, %s to %s", r.scenario(),
                ConsoleTable.pointCount(r), ConsoleTable.pointCount(r) == 1 ? "" : "s", r.startedAt(), r.finishedAt())
                + (env == null ? "" : ", tokenmeter " + env.tokenmeterVersion() + " (" + env.gitCommit() + ")"));
        if (spec != null) {
            item(sb, "Model", ConsoleTable.shape(spec.model()));
            String backend = device == null ? spec.backend() : device.backend();
            if (device != null && !spec.backend().equalsIgnoreCase(device.backend())) {
                backend += " (asked: " + spec.backend() + ")";
            }
            item(sb, "Backend", backend + ", seed " + spec.seed());
        }
        if (device != null) {
            String ceilings = ConsoleTable.ceilings(device.measured())
                    + (device.datasheet() == null ? "" : "; " + ConsoleTable.ceilings(device.datasheet()));
            item(sb, "Device", String.format(Locale.ROOT, "%s (%s, %d %s, %s memory); %s", device.name(),
                    device.kind(), device.computeUnits(), "gpu".equals(device.kind()) ? "SMs" : "cores",
                    TextTable.bytes(device.memoryBytes()), ceilings));
        }
        item(sb, "Price", ConsoleTable.price(r));
        String slos = ConsoleTable.slos(r);
        if (slos != null) {
            item(sb, "SLO", slos);
        }
        if (spec != null && spec.measurement() != null && ConsoleTable.showsOfflineTable(r)) {
            item(sb, "Trials", ConsoleTable.trials(spec.measurement()) + "; medians unless marked");
        }
        sb.append('\n');

        if (ConsoleTable.showsOfflineTable(r)) {
            table(sb, r.points());
        }
        if (!r.servingPoints().isEmpty()) {
            if (ConsoleTable.showsOfflineTable(r)) {
                sb.append('\n');
            }
            servingTable(sb, r.servingPoints());
        }
        String imprecise = ConsoleTable.imprecisionNote(r.points());
        if (imprecise != null) {
            sb.append('\n').append(escape(imprecise)).append('\n');
        }

        List<Notice> notices = Notice.of(r);
        if (!notices.isEmpty()) {
            sb.append("\n### Warnings\n\n");
            for (Notice n : notices) {
                switch (n.level()) {
                    case ERROR:
                        sb.append("- **").append(escape(n.message())).append("**\n");
                        break;
                    case WARNING:
                        sb.append("- ").append(escape(n.message())).append('\n');
                        break;
                    default:
                        sb.append("- note: ").append(escape(n.message())).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static void item(StringBuilder sb, String name, String text) {
        sb.append("- **").append(name).append("**: ").append(escape(text)).append('\n');
    }

    private static void table(StringBuilder sb, List<PointResult> points) {
        List<String> headers = ConsoleTable.HEADLINE_COLUMNS;
        sb.append('|');
        for (String h : headers) {
            sb.append(' ').append(escape(h)).append(" |");
        }
        sb.append("\n|");
        for (int i = 0; i < headers.size(); i++) {
            sb.append("---:|"); // every headline column is a number: right-aligned
        }
        sb.append('\n');
        for (PointResult p : points) {
            sb.append('|');
            for (String cell : ConsoleTable.headlineCells(p)) {
                sb.append(' ').append(escape(cell)).append(" |");
            }
            sb.append('\n');
        }
    }

    private static void servingTable(StringBuilder sb, List<ServingPointResult> points) {
        List<String> headers = ConsoleTable.SERVING_COLUMNS;
        sb.append('|');
        for (String h : headers) {
            sb.append(' ').append(escape(h)).append(" |");
        }
        sb.append("\n|");
        for (String h : headers) {
            sb.append(ConsoleTable.SERVING_TEXT_COLUMNS.contains(h) ? "---|" : "---:|");
        }
        sb.append('\n');
        for (ServingPointResult p : points) {
            sb.append('|');
            for (String cell : ConsoleTable.servingCells(p)) {
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
    static String escape(String text) {
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

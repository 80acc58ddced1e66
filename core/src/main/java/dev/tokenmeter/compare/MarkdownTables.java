package dev.tokenmeter.compare;

import java.util.List;

/** The Markdown pieces a comparison report is made of. */
final class MarkdownTables {
    private MarkdownTables() {
    }

    /** The two results compared, one line each. */
    static void sides(StringBuilder sb, Comparison.Side baseline, Comparison.Side candidate) {
        sb.append("**baseline** ").append(escape(ComparisonReport.side(baseline))).append("  \n");
        sb.append("**candidate** ").append(escape(ComparisonReport.side(candidate))).append("\n\n");
    }

    /** A header row and its alignment row ({@code right[i]}: column i right-aligned). */
    static void header(StringBuilder sb, List<String> headers, boolean[] right) {
        sb.append('|');
        for (String h : headers) {
            sb.append(' ').append(h).append(" |");
        }
        sb.append("\n|");
        for (boolean r : right) {
            sb.append(r ? " ---: |" : " --- |");
        }
        sb.append('\n');
    }

    /** A row whose last cell is the verdict: in bold when it is a REGRESSION. */
    static void row(StringBuilder sb, String[] cells, Verdict verdict) {
        sb.append('|');
        for (int i = 0; i < cells.length; i++) {
            String cell = escape(cells[i]);
            boolean bold = i == cells.length - 1 && verdict == Verdict.REGRESSION;
            sb.append(' ').append(bold ? "**" + cell + "**" : cell).append(" |");
        }
        sb.append('\n');
    }

    /** The notes as a list after a blank line; nothing when there are none. */
    static void notes(StringBuilder sb, List<String> notes) {
        if (notes.isEmpty()) {
            return;
        }
        sb.append('\n');
        for (String line : notes) {
            sb.append("- ").append(escape(line)).append('\n');
        }
    }

    /** Text made safe for a table cell: pipes escaped. */
    static String escape(String markdown) {
        return markdown.replace("|", "\\|");
    }
}

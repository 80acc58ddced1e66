package dev.tokenmeter.scheduler;

import java.util.Locale;

/**
 * YAML scalars written by hand. Every value that comes from a user goes in double quotes, so that no name reads as
 * another type ({@code no}, {@code null}, {@code 1e3}); a long text (the pod's script) goes in a literal block, which
 * a reader can follow line by line, where its characters allow one.
 */
final class YamlScalars {
    private YamlScalars() {
    }

    /** {@code text} as a double-quoted scalar, with JSON-like escapes for what YAML does not allow as it is. */
    static String quoted(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (printable(text, i)) {
                        out.append(c);
                    } else {
                        out.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * Whether {@code text} can be a literal block ({@code |-}): every character printable or a tab, lines broken by
     * {@code \n} alone (YAML also breaks lines at {@code \r}, NEL and the Unicode separators), the first line not
     * starting with a space (that would set the block's indentation) and the text not ending in a line break (which
     * {@code -} would strip).
     */
    static boolean literalSafe(String text) {
        if (text.isEmpty() || text.startsWith(" ") || text.startsWith("\n") || text.endsWith("\n")) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\n' && c != '\t' && !printable(text, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends {@code text} as the literal block of a key already written up to its colon: {@code " |-"}, then each
     * line after {@code indent} (an empty line stays empty). The text must be {@link #literalSafe}.
     */
    static void appendLiteral(StringBuilder out, String text, String indent) {
        out.append(" |-\n");
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                out.append(indent).append(line);
            }
            out.append('\n');
        }
    }

    /**
     * YAML's printable set less the characters YAML reads as line breaks (NEL, U+2028, U+2029) and the byte-order
     * mark; a surrogate counts only as half of a well-formed pair.
     */
    private static boolean printable(String text, int i) {
        char c = text.charAt(i);
        if (c >= 0x20 && c <= 0x7E) {
            return true;
        }
        if (c < 0xA0 || c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF) {
            return false;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
        }
        return true;
    }
}

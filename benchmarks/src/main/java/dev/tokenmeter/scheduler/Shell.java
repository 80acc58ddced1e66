package dev.tokenmeter.scheduler;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting for the POSIX shell scripts tokenmeter writes for schedulers. */
public final class Shell {
    private Shell() {
    }

    /** {@code s} as one shell word, single-quoted where it needs to be ({@code it's} as {@code 'it'\''s'}). */
    public static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Each word quoted, joined by spaces. */
    public static String words(List<String> words) {
        return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
    }
}

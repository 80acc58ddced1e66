package dev.tokenmeter.scheduler;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Words for a POSIX {@code sh} command line, each read back by the shell as exactly the text it was made from. A word
 * of plain characters stays as it is (the manifest reads better); any other goes in single quotes, inside which the
 * shell expands nothing, with each embedded {@code '} written as {@code '\''} (close, an escaped quote, reopen).
 */
final class ShellWords {
    /** Characters no shell treats specially anywhere in a word ({@code =} only in a command's first word). */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {
    }

    /** {@code word} as one shell word; the empty word is {@code ''}. */
    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : alwaysQuoted(word);
    }

    /**
     * {@code word} in single quotes even where it is plain: a command's name, which unquoted would be taken as a
     * variable assignment if it held {@code =}.
     */
    static String alwaysQuoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words quoted and joined by single spaces. */
    static String join(List<String> words) {
        StringBuilder line = new StringBuilder();
        for (String word : words) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(quote(word));
        }
        return line.toString();
    }
}

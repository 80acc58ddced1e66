package dev.tokenmeter.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The text rule of {@code tokenmeter server}, which has no real tokenizer (its model is synthetic): a text prompt is
 * one token per word, a word being a run of characters between whitespace ({@link Character#isWhitespace}), and a
 * word's token id is the 32-bit FNV-1a hash of its UTF-8 bytes, as an unsigned number, modulo the vocabulary. So
 * {@code "a b a"} is three tokens, the first and last the same, on every machine and every run. An output token is
 * rendered as {@code " t"} followed by its id ({@code " t417"}), so that a completion's text holds exactly its
 * tokens and can be turned back into them ({@link #parse}).
 */
public final class WordTokenizer {
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private WordTokenizer() {
    }

    /** The token ids of {@code text}, one per whitespace-separated word; none for blank text. */
    public static int[] encode(String text, int vocab) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToInt(w -> id(w, vocab)).toArray();
    }

    /** A word's token id: FNV-1a (32 bits) of its UTF-8 bytes, unsigned, modulo {@code vocab}. */
    public static int id(String word, int vocab) {
        int h = FNV_OFFSET;
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return (int) (Integer.toUnsignedLong(h) % vocab);
    }

    /** The text of one output token: a space, "t", the id. */
    public static String render(int token) {
        return " t" + token;
    }

    /** The text of output tokens, each {@link #render rendered}. */
    public static String render(int[] tokens) {
        StringBuilder b = new StringBuilder(tokens.length * 6);
        for (int t : tokens) {
            b.append(" t").append(t);
        }
        return b.toString();
    }

    /** The token ids of a completion's text: the inverse of {@link #render(int[])}. */
    public static int[] parse(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToInt(w -> {
            if (!w.startsWith("t")) {
                throw new IllegalArgumentException("not a rendered token: '" + w + "'");
            }
            return Integer.parseInt(w.substring(1));
        }).toArray();
    }
}

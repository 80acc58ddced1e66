package dev.tokenmeter.serving.load;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many tokens a request's prompt (or output) has: a fixed length or a uniform range.
 *
 * <p>{@link #describe()} gives the text {@link #parse} reads back ({@code "1024"}, {@code "128:1024"}), so a
 * report can record the option exactly as it would be given again.
 */
public interface LengthDistribution {
    /** The largest length accepted, in tokens (2^20: beyond any context window we model). */
    int MAX_TOKENS = 1 << 20;

    /** One length, in tokens, in [1, {@link #max()}]. */
    int sample(SplittableRandom random);

    /** The largest length {@link #sample} can return, in tokens: what the KV cache must be sized for. */
    int max();

    /** The option text that gives this distribution: {@code "N"} or {@code "LO:HI"}; how JSON holds it. */
    @JsonValue
    String describe();

    /** Reads {@link #describe()}'s text back, as JSON does. */
    @JsonCreator
    static LengthDistribution fromText(String text) {
        return parse("a length", text);
    }

    /** Always {@code tokens}. */
    static LengthDistribution fixed(int tokens) {
        return new Fixed(tokens);
    }

    /** Uniform over the integers {@code lo..hi}, both included. */
    static LengthDistribution uniform(int lo, int hi) {
        return new Uniform(lo, hi);
    }

    /**
     * Reads a length option: {@code "N"} for a fixed length, {@code "LO:HI"} for a uniform one ({@code "N:N"} is
     * fixed). {@code option} (e.g. {@code "--prompt-len"}) only names the option in the error message.
     *
     * @throws IllegalArgumentException naming the option, the accepted format and the text, when it is malformed
     *                                  or out of range
     */
    static LengthDistribution parse(String option, String text) {
        // Up to 9 digits each, so that parsing can't overflow and the range check below speaks for big values.
        Matcher m = text == null ? null : Pattern.compile("(\\d{1,9})(?::(\\d{1,9}))?").matcher(text.strip());
        if (m != null && m.matches()) {
            long lo = Long.parseLong(m.group(1));
            long hi = m.group(2) == null ? lo : Long.parseLong(m.group(2));
            if (1 <= lo && lo <= hi && hi <= MAX_TOKENS) {
                return lo == hi ? fixed((int) lo) : uniform((int) lo, (int) hi);
            }
        }
        throw new IllegalArgumentException(option + " must be N or LO:HI (tokens, 1 <= N <= " + MAX_TOKENS
                + ", 1 <= LO <= HI <= " + MAX_TOKENS + "), got " + (text == null ? "nothing" : "'" + text + "'"));
    }

    /** A fixed length. */
    record Fixed(int tokens) implements LengthDistribution {
        public Fixed {
            if (tokens < 1 || tokens > MAX_TOKENS) {
                throw new IllegalArgumentException("length must be in [1, " + MAX_TOKENS + "] tokens, got " + tokens);
            }
        }

        @Override
        public int sample(SplittableRandom random) {
            return tokens;
        }

        @Override
        public int max() {
            return tokens;
        }

        @Override
        public String describe() {
            return Integer.toString(tokens);
        }
    }

    /** Uniform over {@code lo..hi} tokens, both included. */
    record Uniform(int lo, int hi) implements LengthDistribution {
        public Uniform {
            if (lo < 1 || lo > hi || hi > MAX_TOKENS) {
                throw new IllegalArgumentException("uniform lengths need 1 <= lo <= hi <= " + MAX_TOKENS
                        + " tokens, got lo=" + lo + ", hi=" + hi);
            }
        }

        @Override
        public int sample(SplittableRandom random) {
            return lo + random.nextInt(hi - lo + 1);
        }

        @Override
        public int max() {
            return hi;
        }

        @Override
        public String describe() {
            return lo + ":" + hi;
        }
    }
}

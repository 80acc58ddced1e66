package dev.tokenmeter.checkpoint;

/** DESIGN's synthetic prompt tokens: a pure function of (seed, request, position). */
public final class SyntheticPrompts {
    private static final long PROMPT_SALT = 0x70C3E5L;

    private SyntheticPrompts() {
    }

    /** Token {@code position} of request {@code request}'s prompt. */
    public static int token(long seed, int request, int position, int vocab) {
        long x = SplitMix64.mix(SplitMix64.mix(seed ^ PROMPT_SALT) ^ (((long) request << 32) | (position & 0xFFFFFFFFL)));
        return (int) Long.remainderUnsigned(x >>> 33, vocab);
    }

    /** The first {@code length} tokens of request {@code request}'s prompt. */
    public static int[] prompt(long seed, int request, int length, int vocab) {
        int[] out = new int[length];
        for (int p = 0; p < length; p++) {
            out[p] = token(seed, request, p, vocab);
        }
        return out;
    }
}

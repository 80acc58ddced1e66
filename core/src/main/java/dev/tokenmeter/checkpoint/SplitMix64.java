package dev.tokenmeter.checkpoint;

/** The splitmix64 finalizer of DESIGN's synthetic checkpoint spec (unsigned 64-bit, wrapping). */
final class SplitMix64 {
    private SplitMix64() {
    }

    public static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        long z = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

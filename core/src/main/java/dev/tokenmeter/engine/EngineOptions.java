package dev.tokenmeter.engine;

/**
 * How an engine is built.
 *
 * @param seed          synthetic checkpoint seed
 * @param maxSequences  sequence slots the KV cache holds at once
 * @param maxContext    positions per slot (prompt + output)
 */
public record EngineOptions(long seed, int maxSequences, int maxContext) {
    public EngineOptions {
        if (maxSequences <= 0) {
            throw new IllegalArgumentException("maxSequences must be >= 1, got " + maxSequences);
        }
        if (maxContext <= 0) {
            throw new IllegalArgumentException("maxContext must be >= 1, got " + maxContext);
        }
    }

    public static EngineOptions of(long seed, int maxSequences, int maxContext) {
        return new EngineOptions(seed, maxSequences, maxContext);
    }
}

package dev.tokenmeter.serving;

/**
 * One request of a serving workload: when it arrives (seconds after the run's start, its scheduled time, from
 * which its latencies are counted, so queueing counts in TTFT) and how long its prompt and its output are.
 *
 * @param id           position in the workload, 0-based
 * @param atSeconds    scheduled arrival, ≥ 0
 * @param promptLength prompt tokens, ≥ 1
 * @param outputLength output tokens to generate, ≥ 1
 */
public record Arrival(int id, double atSeconds, int promptLength, int outputLength) {
    public Arrival {
        if (id < 0) {
            throw new IllegalArgumentException("id must be >= 0, got " + id);
        }
        if (!(atSeconds >= 0) || Double.isInfinite(atSeconds)) {
            throw new IllegalArgumentException("atSeconds must be a finite time >= 0, got " + atSeconds);
        }
        if (promptLength < 1) {
            throw new IllegalArgumentException("promptLength must be >= 1, got " + promptLength);
        }
        if (outputLength < 1) {
            throw new IllegalArgumentException("outputLength must be >= 1, got " + outputLength);
        }
    }
}

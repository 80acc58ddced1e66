package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.serving.RequestRecord;

/**
 * The latencies of one completed request, in milliseconds, from its scheduled arrival. These are the per-request
 * values that goodput judges; {@link ServingMetrics} summarizes them over the run.
 *
 * @param id           the request's position in the workload
 * @param arrivalNanos its scheduled arrival, ns since the run's start
 * @param promptTokens prompt tokens
 * @param outputTokens output tokens generated
 * @param ttftMs       arrival → first token (queueing included)
 * @param tpotMs       (E2E − TTFT) / (outputTokens − 1): the mean gap after the first token; NaN for one token
 * @param e2eMs        arrival → last token
 * @param maxItlMs     the largest gap between two consecutive tokens; NaN for one token
 */
public record RequestLatency(int id, long arrivalNanos, int promptTokens, int outputTokens, double ttftMs,
        double tpotMs, double e2eMs, double maxItlMs) {
    private static final double NANOS_PER_MS = 1e6;

    /**
     * The latencies of {@code r}, which must have completed.
     *
     * @throws IllegalArgumentException when the request did not complete or a token precedes its arrival
     */
    public static RequestLatency of(RequestRecord r) {
        if (!r.completed()) {
            throw new IllegalArgumentException("request " + r.arrival().id() + " did not complete: "
                    + r.tokenNanos().length + " of " + r.arrival().outputLength() + " tokens");
        }
        long[] t = r.tokenNanos();
        checkNotBeforeArrival(r, t);
        int n = t.length;
        long first = t[0];
        long last = t[n - 1];
        long maxGap = 0;
        for (int i = 1; i < n; i++) {
            maxGap = Math.max(maxGap, t[i] - t[i - 1]);
        }
        // TPOT from the ns difference, so that it is not the difference of two rounded millisecond figures.
        return new RequestLatency(r.arrival().id(), r.arrivalNanos(), r.arrival().promptLength(), n,
                (first - r.arrivalNanos()) / NANOS_PER_MS,
                n > 1 ? (last - first) / NANOS_PER_MS / (n - 1) : Double.NaN,
                (last - r.arrivalNanos()) / NANOS_PER_MS,
                n > 1 ? maxGap / NANOS_PER_MS : Double.NaN);
    }

    /** Tokens per second this request's user saw after the first token, 1000 / TPOT; NaN for one token. */
    public double interactivity() {
        return 1e3 / tpotMs;
    }

    static void checkNotBeforeArrival(RequestRecord r, long[] tokenNanos) {
        if (tokenNanos.length > 0 && tokenNanos[0] < r.arrivalNanos()) {
            throw new IllegalArgumentException("request " + r.arrival().id() + ": first token at " + tokenNanos[0]
                    + " ns precedes its arrival at " + r.arrivalNanos() + " ns (a clock or recording error)");
        }
    }
}

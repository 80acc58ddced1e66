package dev.tokenmeter.serving.metrics;

import java.util.List;
import java.util.Objects;

/**
 * A serving run held to its SLOs, two ways, named apart:
 * <ul>
 *   <li>{@link #goodput()}: requests that met <em>every</em> SLO's limit, each judged on its own values
 *       ({@link Slo#metBy(RequestLatency)}; the SLOs' percentiles play no part), per second of the run's
 *       duration, as vLLM's {@code --goodput}; with {@link #goodFraction()} of the completed requests, as
 *       AIPerf also reports;</li>
 *   <li>{@link #meetsSlo()}: whether the run as a whole met each SLO at its percentile (TTFT p99 ≤ 2 s),
 *       MLPerf Server's check, listed per SLO in {@link #checks()}.</li>
 * </ul>
 * Incomplete requests are in neither: they are left out of the latency distributions and of the good fraction's
 * denominator, as of every serving rate, and reported in {@link #incomplete()}.
 *
 * @param slos            the objectives
 * @param goodRequests    completed requests that met every limit
 * @param completed       completed requests
 * @param incomplete      requests the run ended before finishing
 * @param durationSeconds the run's duration, first arrival → last completion
 * @param checks          each SLO checked at its percentile, in the order of {@code slos}
 */
public record SloReport(SloSet slos, int goodRequests, int completed, int incomplete, double durationSeconds,
        List<SloCheck> checks) {
    public SloReport {
        Objects.requireNonNull(slos, "slos");
        checks = List.copyOf(checks);
        if (completed < 1) {
            throw new IllegalArgumentException("completed must be >= 1, got " + completed);
        }
        if (goodRequests < 0 || goodRequests > completed) {
            throw new IllegalArgumentException("goodRequests must be in [0, completed = " + completed + "], got "
                    + goodRequests);
        }
        if (incomplete < 0) {
            throw new IllegalArgumentException("incomplete must be >= 0, got " + incomplete);
        }
        if (!(durationSeconds > 0) || Double.isInfinite(durationSeconds)) {
            throw new IllegalArgumentException("durationSeconds must be finite and > 0, got " + durationSeconds);
        }
    }

    /** {@code m} held to {@code slos}. */
    public static SloReport of(ServingMetrics m, SloSet slos) {
        int good = 0;
        for (RequestLatency r : m.perRequest()) {
            if (slos.slos().stream().allMatch(s -> s.metBy(r))) {
                good++;
            }
        }
        return new SloReport(slos, good, m.completed(), m.incomplete(), m.durationSeconds(),
                slos.slos().stream().map(s -> SloCheck.of(s, m)).toList());
    }

    /** Requests per second that met every SLO: good requests / duration. */
    public double goodput() {
        return goodRequests / durationSeconds;
    }

    /** Good requests / completed requests, in [0, 1]. */
    public double goodFraction() {
        return (double) goodRequests / completed;
    }

    /** Whether the run met every SLO at its percentile. */
    public boolean meetsSlo() {
        return checks.stream().allMatch(SloCheck::met);
    }
}

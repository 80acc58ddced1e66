package dev.tokenmeter.compare;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSummary;

/**
 * The figures {@code compare} puts side by side for a serving point, each read from the point's recorded summary
 * (the per-request latencies are not kept). Tails are compared at p99, as SLOs are usually written (MLPerf
 * Server), and TTFT and TPOT at their median too, so that a shift of the whole distribution can be told from a
 * longer tail. Times in milliseconds, rates per second of the run's duration.
 */
public enum ServingMetric {
    /** Completed requests per second: the achieved rate, which falls short of the offered one under overload. */
    REQUESTS_PER_SECOND("req/s", "req/s", Metric.Direction.HIGHER_IS_BETTER),
    OUTPUT_TOKENS_PER_SECOND("output tok/s", "tok/s", Metric.Direction.HIGHER_IS_BETTER),
    TTFT_P50("TTFT p50", "ms", Metric.Direction.LOWER_IS_BETTER),
    TTFT_P99("TTFT p99", "ms", Metric.Direction.LOWER_IS_BETTER),
    TPOT_P50("TPOT p50", "ms", Metric.Direction.LOWER_IS_BETTER),
    TPOT_P99("TPOT p99", "ms", Metric.Direction.LOWER_IS_BETTER),
    ITL_P99("ITL p99", "ms", Metric.Direction.LOWER_IS_BETTER),
    E2E_P99("E2E p99", "ms", Metric.Direction.LOWER_IS_BETTER),
    /**
     * Requests per second that met every SLO on their own values. Only comparable when both points were held to
     * the same SLOs; {@link ServingComparer} leaves it out otherwise.
     */
    GOODPUT("goodput", "req/s", Metric.Direction.HIGHER_IS_BETTER);

    private final String label;
    private final String unit;
    private final Metric.Direction direction;

    ServingMetric(String label, String unit, Metric.Direction direction) {
        this.label = label;
        this.unit = unit;
        this.direction = direction;
    }

    /** How reports name it ("TTFT p99", "goodput"). */
    public String label() {
        return label;
    }

    /** "ms", "req/s" or "tok/s". */
    public String unit() {
        return unit;
    }

    /** The label with its unit where the label lacks it: "TTFT p99 ms", "output tok/s", "goodput req/s". */
    public String labelWithUnit() {
        return label.endsWith(unit) ? label : label + " " + unit;
    }

    public Metric.Direction direction() {
        return direction;
    }

    /**
     * This metric's value for a point; NaN where the point does not have it (TPOT and ITL when every request had
     * one output token, goodput without SLOs, anything a malformed file left out).
     */
    public double value(ServingPointResult p) {
        ServingSummary m = p.metrics();
        if (m == null) {
            return Double.NaN;
        }
        return switch (this) {
            case REQUESTS_PER_SECOND -> m.requestsPerSecond();
            case OUTPUT_TOKENS_PER_SECOND -> m.outputTokensPerSecond();
            case TTFT_P50 -> m.ttftMs() == null ? Double.NaN : m.ttftMs().p50();
            case TTFT_P99 -> p99(m.ttftMs());
            case TPOT_P50 -> m.tpotMs() == null ? Double.NaN : m.tpotMs().p50();
            case TPOT_P99 -> p99(m.tpotMs());
            case ITL_P99 -> p99(m.itlMs());
            case E2E_P99 -> p99(m.e2eMs());
            case GOODPUT -> p.slo() == null ? Double.NaN : p.slo().goodput();
        };
    }

    private static double p99(Summary s) {
        return s == null ? Double.NaN : s.p99();
    }
}

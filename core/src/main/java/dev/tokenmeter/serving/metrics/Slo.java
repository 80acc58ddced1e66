package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.measure.Summary;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * One service-level objective: a latency metric, a percentile and a limit in milliseconds, e.g. TTFT p99 ≤ 2000 ms.
 *
 * <p>The percentile applies to the run as a whole ({@link #metBy(ServingMetrics)}: "TTFT p99 ≤ 2 s", MLPerf
 * Server's check); each request is judged against the limit alone ({@link #metBy(RequestLatency)}), which is
 * what goodput counts. Both comparisons include the limit (≤), as vLLM's goodput does.
 *
 * @param metric     what is bounded
 * @param percentile 50, 90, 95 or 99 (the percentiles {@link Summary} keeps); {@link #DEFAULT_PERCENTILE} when
 *                   {@code --slo} names none
 * @param limitMs    the bound, milliseconds, finite and above 0
 */
public record Slo(SloMetric metric, int percentile, double limitMs) {
    /** The percentile of an SLO given without one: p99, as MLPerf Server bounds TTFT and TPOT. */
    public static final int DEFAULT_PERCENTILE = 99;

    public Slo {
        Objects.requireNonNull(metric, "metric");
        if (percentile != 50 && percentile != 90 && percentile != 95 && percentile != 99) {
            throw new IllegalArgumentException("percentile must be 50, 90, 95 or 99, got " + percentile);
        }
        if (!(limitMs > 0) || Double.isInfinite(limitMs)) {
            throw new IllegalArgumentException("limitMs must be a finite number of milliseconds > 0, got " + limitMs);
        }
    }

    /** {@code metric} at {@link #DEFAULT_PERCENTILE} ≤ {@code limitMs}. */
    public static Slo of(SloMetric metric, double limitMs) {
        return new Slo(metric, DEFAULT_PERCENTILE, limitMs);
    }

    /**
     * Whether one request met the limit: its value ≤ the limit. A value the request does not have (TPOT or ITL
     * of a one-token request) is met, as vLLM counts a one-token request's TPOT as 0.
     */
    public boolean metBy(RequestLatency r) {
        double v = metric.valueMs(r);
        return Double.isNaN(v) || v <= limitMs;
    }

    /**
     * This SLO's percentile of the run's distribution, in ms; NaN where the metric is undefined for the whole run
     * (TPOT or ITL when every request produced one token).
     */
    public double measuredMs(ServingMetrics m) {
        Summary s = metric.summary(m);
        if (s == null) {
            return Double.NaN;
        }
        return switch (percentile) {
            case 50 -> s.p50();
            case 90 -> s.p90();
            case 95 -> s.p95();
            default -> s.p99();
        };
    }

    /** Whether the run met it at its percentile; vacuously true where the metric is undefined for the run. */
    public boolean metBy(ServingMetrics m) {
        double v = measuredMs(m);
        return Double.isNaN(v) || v <= limitMs;
    }

    /** The {@code --slo} text for this SLO, always with percentile and unit: {@code "ttft:p99=2000ms"}. */
    public String describe() {
        return metric.label() + ":p" + percentile + "="
                + BigDecimal.valueOf(limitMs).stripTrailingZeros().toPlainString() + "ms";
    }
}

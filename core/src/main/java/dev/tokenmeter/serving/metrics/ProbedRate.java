package dev.tokenmeter.serving.metrics;

import java.util.Objects;

/**
 * One measured rate of an SLO search: the offered rate, whether it passed, and what it was judged on.
 *
 * @param offeredRate requests per second offered
 * @param meetsSlo    whether this rate passed
 * @param metrics     the run's metrics; null for a point judged without them (a model, a test)
 * @param slo         the run held to its SLOs; null as {@code metrics}
 * @param load        the sustained-load check; null as {@code metrics}
 */
public record ProbedRate(double offeredRate, boolean meetsSlo, ServingMetrics metrics, SloReport slo,
        SustainedLoad load) {
    public ProbedRate {
        if (!(offeredRate > 0) || Double.isInfinite(offeredRate)) {
            throw new IllegalArgumentException("offeredRate must be a finite number > 0 (requests per second), got "
                    + offeredRate);
        }
    }

    /**
     * A measured point. It passes when the run met every SLO at its percentile ({@link SloReport#meetsSlo()})
     * <em>and</em> the load was not {@link SustainedLoad.Status#OVERLOADED}: a short run's percentiles can look
     * fine while its queue grows, and a longer run at that rate would fail.
     */
    public static ProbedRate of(double offeredRate, ServingMetrics metrics, SloReport slo, SustainedLoad load) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(slo, "slo");
        Objects.requireNonNull(load, "load");
        return new ProbedRate(offeredRate, slo.meetsSlo() && load.status() != SustainedLoad.Status.OVERLOADED,
                metrics, slo, load);
    }

    /** A point judged by {@code meetsSlo} alone, with no metrics. */
    public static ProbedRate verdict(double offeredRate, boolean meetsSlo) {
        return new ProbedRate(offeredRate, meetsSlo, null, null, null);
    }
}

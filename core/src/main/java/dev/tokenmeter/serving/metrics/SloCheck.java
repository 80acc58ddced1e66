package dev.tokenmeter.serving.metrics;

import java.util.Objects;

/**
 * One SLO checked against the run as a whole, at its percentile.
 *
 * @param slo        the objective
 * @param measuredMs the run's value at the SLO's percentile, ms; NaN where the metric is undefined for the run
 *                   (TPOT or ITL when every request produced one token), which counts as met
 * @param met        measuredMs ≤ the limit (or undefined)
 */
public record SloCheck(Slo slo, double measuredMs, boolean met) {
    public SloCheck {
        Objects.requireNonNull(slo, "slo");
    }

    /** {@code slo} checked against {@code m}. */
    public static SloCheck of(Slo slo, ServingMetrics m) {
        return new SloCheck(slo, slo.measuredMs(m), slo.metBy(m));
    }
}

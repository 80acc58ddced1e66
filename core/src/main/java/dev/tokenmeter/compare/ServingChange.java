package dev.tokenmeter.compare;

import java.util.Objects;

/**
 * One metric of one serving point, baseline against candidate: two single values, each from one run, and their
 * relative difference. There is no interval and no p-value: one run per side is no sample of runs, and the
 * requests inside a run are not independent (each waits behind the ones queued before it), so the verdict is
 * always {@link Verdict#NOT_TESTED}. Whether a difference is real is for a repeated run to say.
 *
 * @param point          the point
 * @param metric         the metric
 * @param baseline       the baseline's value
 * @param candidate      the candidate's value
 * @param relativeChange (candidate − baseline) / baseline; NaN or infinite when the baseline's value is 0
 * @param verdict        {@link Verdict#NOT_TESTED}
 */
public record ServingChange(ServingPointKey point, ServingMetric metric, double baseline, double candidate,
        double relativeChange, Verdict verdict) {

    public ServingChange {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(verdict, "verdict");
    }

    /** A change of {@code metric} from {@code baseline} to {@code candidate}, not tested. */
    public static ServingChange of(ServingPointKey point, ServingMetric metric, double baseline, double candidate) {
        return new ServingChange(point, metric, baseline, candidate, (candidate - baseline) / baseline,
                Verdict.NOT_TESTED);
    }

    /**
     * The change in the bad direction: positive when the candidate is worse (a lower rate or a higher latency), as
     * a fraction of the baseline's value.
     */
    public double worsening() {
        return metric.direction() == Metric.Direction.HIGHER_IS_BETTER ? -relativeChange : relativeChange;
    }
}

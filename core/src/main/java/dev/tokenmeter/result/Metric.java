package dev.tokenmeter.result;

import java.util.Objects;
import java.util.function.Function;

/**
 * One figure of a scenario's points that {@code compare} puts side by side: how it is named, its unit, which way
 * is better, and its samples for a point. Every scenario describes its metrics with this one type.
 *
 * @param label       how reports name it ("output tok/s", "TTFT p99")
 * @param unit        "ms", "tok/s", "req/s"
 * @param direction   which way is better
 * @param measurement the measurement the samples come from: metrics that share one (TPOT and the mean decode step
 *                    of an offline trial are the same numbers) are tested once, so that a multiple-comparison
 *                    correction counts each distinct measurement once
 * @param samples     the point's samples of this metric: one per trial where the scenario repeats trials, one per
 *                    run otherwise; empty where the point does not have it (TPOT of one-token outputs). A sample
 *                    that cannot be right (a malformed file) is refused with an IllegalArgumentException
 * @param <P>         the scenario's point
 */
public record Metric<P>(String label, String unit, Direction direction, String measurement,
        Function<P, double[]> samples) {
    /** Which way is better. */
    public enum Direction {
        HIGHER_IS_BETTER,
        LOWER_IS_BETTER
    }

    public Metric {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(samples, "samples");
    }

    /** A metric that is its own measurement. */
    public Metric(String label, String unit, Direction direction, Function<P, double[]> samples) {
        this(label, unit, direction, label, samples);
    }

    /** The label with its unit where the label lacks it: "TTFT ms", "output tok/s", "goodput req/s". */
    public String labelWithUnit() {
        return label.endsWith(unit) ? label : label + " " + unit;
    }

    /**
     * {@code change} (relative, + is higher) turned the bad way: positive when the candidate is worse (a lower
     * throughput or a higher latency).
     */
    public double worsening(double change) {
        return direction == Direction.HIGHER_IS_BETTER ? -change : change;
    }
}

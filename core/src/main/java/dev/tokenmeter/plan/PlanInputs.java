package dev.tokenmeter.plan;

import dev.tokenmeter.cost.Price;
import java.util.Objects;

/**
 * What a capacity plan is asked for.
 *
 * @param rate         target traffic, requests per second, > 0
 * @param promptLength prompt tokens per request, or null for the result's own (when it measured one)
 * @param outputLength output tokens per request, or null for the result's own (when it measured one)
 * @param constraints  latency limits the operating point must meet
 * @param utilization  target utilization in (0, 1]: GPUs are provisioned so that each runs at most this share of
 *                     its measured capacity, the rest being headroom for bursts and failures
 * @param price        price per GPU-hour of the measured device, or null for its preset (none where no preset
 *                     matches: the plan then has no cost figures for it); its utilization is ignored, the plan's
 *                     expected utilization is used instead
 */
public record PlanInputs(double rate, Integer promptLength, Integer outputLength, Constraints constraints,
        double utilization, Price price) {
    /** The usual headroom: a fleet run at 80% of its measured capacity. */
    public static final double DEFAULT_UTILIZATION = 0.8;

    public PlanInputs {
        Objects.requireNonNull(constraints, "constraints");
        if (!(rate > 0) || !Double.isFinite(rate)) {
            throw new IllegalArgumentException("rate must be a finite number of requests/s > 0, got " + rate);
        }
        if (promptLength != null && promptLength < 1) {
            throw new IllegalArgumentException("promptLength must be >= 1 token, got " + promptLength);
        }
        if (outputLength != null && outputLength < 1) {
            throw new IllegalArgumentException("outputLength must be >= 1 token, got " + outputLength);
        }
        if (!(utilization > 0) || !(utilization <= 1)) {
            throw new IllegalArgumentException("utilization must be in (0, 1], got " + utilization);
        }
    }
}

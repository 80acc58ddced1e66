package dev.tokenmeter.plan;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;

/**
 * What a deployment costs, US dollars. The per-query and per-token figures are DESIGN's (price per GPU-hour ×
 * 10⁶ / (3600 × tokens/s per GPU); price per GPU-hour / 3600 / (requests/s per GPU)) divided by the utilization
 * the GPUs run at, which is the same as charging every paid hour to the traffic actually served: per query =
 * monthly cost / queries per month.
 *
 * @param usdPerGpuHour price per GPU-hour
 * @param priceLabel    what the price is for ("H100", "user")
 * @param priceSource   where it comes from, and when
 * @param utilization   the expected utilization the per-query and per-token figures are divided by
 * @param usdPerMonth   {@link CapacityPlan#HOURS_PER_MONTH} × GPUs × price per GPU-hour
 */
public record PlanCost(double usdPerGpuHour, String priceLabel, String priceSource, double utilization,
        double usdPerMonth, double usdPerQuery, double usdPerMillionInput, double usdPerMillionOutput,
        double usdPerMillionTotal) {

    /** Costs of {@code gpus} GPUs serving at {@code p}'s per-GPU rates times {@code utilization}. */
    public static PlanCost of(Price price, int gpus, double utilization, PointEstimate p) {
        CostMetrics c = CostMetrics.of(price.withUtilization(utilization), p.requestsPerSecond(),
                p.inputTokensPerSecond(), p.outputTokensPerSecond(), 1);
        return new PlanCost(price.usdPerHour(), price.label(), price.source()
                + (price.asOf().isEmpty() ? "" : ", " + price.asOf()), utilization,
                CapacityPlan.usdPerMonth(gpus, price.usdPerHour()), c.usdPerQuery(), c.usdPerMillionInput(),
                c.usdPerMillionOutput(), c.usdPerMillionTotal());
    }
}

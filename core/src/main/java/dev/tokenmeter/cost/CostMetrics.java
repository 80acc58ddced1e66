package dev.tokenmeter.cost;

import dev.tokenmeter.metrics.PointMetrics;

/**
 * What serving costs at a measured throughput, as DESIGN defines it: per 1M tokens = price per hour × 10⁶ /
 * (3600 × tokens/s per device); per query = price per hour / 3600 / (requests/s per device); both divided by
 * the price's utilization. The median throughputs of the point are used. US dollars.
 */
public record CostMetrics(double usdPerHour, double utilization, double usdPerQuery, double usdPerMillionInput,
        double usdPerMillionOutput, double usdPerMillionTotal, String priceLabel, String priceSource) {

    /** Costs at the given rates on {@code devices} devices (1 for a single-device run). */
    public static CostMetrics of(Price price, double requestsPerSecond, double inputTokensPerSecond,
            double outputTokensPerSecond, int devices) {
        double perDeviceHour = price.usdPerHour() / price.utilization();
        double n = devices;
        return new CostMetrics(price.usdPerHour(), price.utilization(),
                perDeviceHour / 3600.0 / (requestsPerSecond / n),
                perMillion(perDeviceHour, inputTokensPerSecond / n),
                perMillion(perDeviceHour, outputTokensPerSecond / n),
                perMillion(perDeviceHour, (inputTokensPerSecond + outputTokensPerSecond) / n),
                price.label(), price.source());
    }

    /** Costs of a measured point on one device. */
    public static CostMetrics of(Price price, PointMetrics m) {
        return of(price, m.requestsPerSecond().p50(), m.inputTokensPerSecond().p50(),
                m.outputTokensPerSecond().p50(), 1);
    }

    private static double perMillion(double usdPerHour, double tokensPerSecond) {
        return usdPerHour * 1e6 / (3600.0 * tokensPerSecond);
    }
}

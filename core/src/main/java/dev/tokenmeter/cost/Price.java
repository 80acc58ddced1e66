package dev.tokenmeter.cost;

import java.util.Objects;

/**
 * What one device costs per hour.
 *
 * @param usdPerHour  US dollars per device-hour (per GPU for a GPU; per instance for the CPU path)
 * @param label       what the price is for ("H100", "user", "cpu-2vcpu")
 * @param source      where it comes from, for the record
 * @param asOf        when it was read (ISO date), or "" for user-set prices
 * @param utilization share of paid hours that serve traffic, in (0, 1]; cost figures are divided by it
 */
public record Price(double usdPerHour, String label, String source, String asOf, double utilization) {
    public Price {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(asOf, "asOf");
        if (!(usdPerHour >= 0) || !Double.isFinite(usdPerHour)) {
            throw new IllegalArgumentException("price per hour must be a finite number >= 0 USD, got " + usdPerHour);
        }
        if (!(utilization > 0) || !(utilization <= 1)) {
            throw new IllegalArgumentException("utilization must be in (0, 1], got " + utilization);
        }
    }

    /** A price the user gave. */
    public static Price user(double usdPerHour) {
        return new Price(usdPerHour, "user", "set by the user", "", 1.0);
    }

    public Price withUtilization(double u) {
        return new Price(usdPerHour, label, source, asOf, u);
    }
}

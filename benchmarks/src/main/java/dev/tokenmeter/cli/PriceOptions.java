package dev.tokenmeter.cli;

import dev.tokenmeter.cost.Price;
import picocli.CommandLine.Option;

/** The price of a device-hour and the share of it that serves traffic, as measuring commands take them. */
final class PriceOptions {
    @Option(names = "--price", defaultValue = "auto", paramLabel = "auto|PRESET|USD",
            description = "Price per device-hour for the cost figures: auto (the device's preset), a preset"
                    + " name such as h100 or cpu, or US dollars. Default: ${DEFAULT-VALUE}.")
    String price;

    @Option(names = "--utilization", defaultValue = "1.0", paramLabel = "FRACTION",
            description = "Share of paid hours that serve traffic, in (0, 1]; divides the costs."
                    + " Default: ${DEFAULT-VALUE}.")
    double utilization;

    /** The price asked for, with the utilization applied; null for auto (the device's preset, known once open). */
    Price asked() {
        return Args.price(price, utilization);
    }

    /** The utilization, checked. */
    double utilization() {
        return Args.utilization(utilization);
    }
}

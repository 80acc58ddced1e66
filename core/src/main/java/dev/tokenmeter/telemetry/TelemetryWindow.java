package dev.tokenmeter.telemetry;

import java.util.List;

/**
 * What the GPU did during one measured point: its energy, power, clocks, temperature and throttle reasons, and the
 * energy per output token and per query at the point's rates. A figure the device does not support is null.
 *
 * @param label                the point's label
 * @param seconds              the window's wall time, from the point's start to its end, s
 * @param energyJoules         energy the GPU used in the window, J: the energy counter's change where the device
 *                             has one, else the mean sampled power times the window's seconds
 * @param energyFrom           how {@code energyJoules} was found: {@value #FROM_COUNTER} or {@value #FROM_SAMPLES};
 *                             null where neither could be read
 * @param meanPowerWatts       mean power over the window, W ({@code energyJoules / seconds})
 * @param maxPowerWatts        the highest sampled power, W
 * @param smClockMhzMin        the lowest sampled SM clock, MHz
 * @param smClockMhzMedian     the median sampled SM clock, MHz
 * @param memClockMhzMedian    the median sampled memory clock, MHz
 * @param maxTemperatureC      the highest sampled GPU temperature, °C
 * @param throttleReasons      every clocks event reason seen in a sample, in bit order, "GPU idle" left out (the
 *                             gaps between a point's steps are idle, which says nothing of the measured work)
 * @param samples              samples taken in the window (one at each end, one per sampling interval between)
 * @param joulesPerOutputToken mean power / the point's median output tokens per second, J; null where either is
 *                             unknown (or the point's work ran elsewhere, on an endpoint's server)
 * @param joulesPerQuery       mean power / the point's median requests per second, J; null likewise
 */
public record TelemetryWindow(String label, double seconds, Double energyJoules, String energyFrom,
        Double meanPowerWatts, Double maxPowerWatts, Integer smClockMhzMin, Integer smClockMhzMedian,
        Integer memClockMhzMedian, Integer maxTemperatureC, List<String> throttleReasons, int samples,
        Double joulesPerOutputToken, Double joulesPerQuery) {
    /** {@code energyFrom} of energy read from the GPU's energy counter. */
    public static final String FROM_COUNTER = "energy counter";
    /** {@code energyFrom} of energy estimated from sampled power. */
    public static final String FROM_SAMPLES = "power samples";

    public TelemetryWindow {
        throttleReasons = throttleReasons == null ? List.of() : List.copyOf(throttleReasons);
    }
}

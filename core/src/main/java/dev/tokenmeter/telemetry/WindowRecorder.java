package dev.tokenmeter.telemetry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of one open window and its energy reading at the start; {@link #close} turns them into a
 * {@link TelemetryWindow}. Not thread-safe: the session calls it under its lock.
 */
final class WindowRecorder {
    /** One reading of the sampled counters; each null where unsupported. */
    record Sample(Integer powerMilliwatts, Integer smClockMhz, Integer memClockMhz, Integer temperatureC,
            Long reasons) {
    }

    private final String label;
    private final long startNanos;
    private final Long startEnergyMillijoules;
    private final List<Double> powerWatts = new ArrayList<>();
    private final List<Integer> smClocks = new ArrayList<>();
    private final List<Integer> memClocks = new ArrayList<>();
    private Integer maxTemperature;
    private long reasons;
    private int samples;

    WindowRecorder(String label, long startNanos, Long startEnergyMillijoules) {
        this.label = label;
        this.startNanos = startNanos;
        this.startEnergyMillijoules = startEnergyMillijoules;
    }

    String label() {
        return label;
    }

    void add(Sample s) {
        samples++;
        if (s.powerMilliwatts() != null) {
            powerWatts.add(s.powerMilliwatts() / 1e3);
        }
        if (s.smClockMhz() != null) {
            smClocks.add(s.smClockMhz());
        }
        if (s.memClockMhz() != null) {
            memClocks.add(s.memClockMhz());
        }
        if (s.temperatureC() != null) {
            maxTemperature = maxTemperature == null ? s.temperatureC() : Math.max(maxTemperature, s.temperatureC());
        }
        if (s.reasons() != null) {
            reasons |= s.reasons();
        }
    }

    /**
     * The window, ended at {@code endNanos} with the energy counter at {@code endEnergyMillijoules} (null where it
     * has none), with the point's median output tokens and requests per second (NaN where unknown) for the energy
     * per token and per query.
     */
    TelemetryWindow close(long endNanos, Long endEnergyMillijoules, double outputTokensPerSecond,
            double requestsPerSecond) {
        double seconds = Math.max(0, (endNanos - startNanos) / 1e9);
        Double energy = null;
        Double meanPower = null;
        String from = null;
        // A counter that went backwards (the driver reloaded) says nothing of the window: use the samples then.
        if (startEnergyMillijoules != null && endEnergyMillijoules != null
                && endEnergyMillijoules >= startEnergyMillijoules && seconds > 0) {
            energy = (endEnergyMillijoules - startEnergyMillijoules) / 1e3;
            meanPower = energy / seconds;
            from = TelemetryWindow.FROM_COUNTER;
        } else if (!powerWatts.isEmpty()) {
            meanPower = powerWatts.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            energy = meanPower * seconds;
            from = TelemetryWindow.FROM_SAMPLES;
        }
        Double maxPower = powerWatts.isEmpty() ? null : powerWatts.stream().mapToDouble(Double::doubleValue).max()
                .orElseThrow();
        List<String> throttle = ThrottleReason.names(reasons & ~ThrottleReason.GPU_IDLE.bit());
        return new TelemetryWindow(label, seconds, energy, from, meanPower, maxPower, min(smClocks),
                median(smClocks), median(memClocks), maxTemperature, throttle, samples,
                perUnit(meanPower, outputTokensPerSecond), perUnit(meanPower, requestsPerSecond));
    }

    /** Watts over a rate per second: joules per unit; null where either is unknown or the rate is not positive. */
    static Double perUnit(Double watts, double perSecond) {
        return watts == null || !Double.isFinite(perSecond) || perSecond <= 0 ? null : watts / perSecond;
    }

    private static Integer min(List<Integer> values) {
        return values.stream().min(Integer::compare).orElse(null);
    }

    /** The median, the two middle values' mean rounded for an even count; null for none. */
    static Integer median(List<Integer> values) {
        if (values.isEmpty()) {
            return null;
        }
        int[] v = values.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (int) Math.round((v[m - 1] + (double) v[m]) / 2);
    }
}

package dev.tokenmeter.telemetry;

import java.util.List;

/**
 * What the run's GPU did while the run measured, as a result records it ({@code environment.telemetry}): the GPU,
 * one window per measured point, and the ECC errors and retired pages at the run's start and end. A run without an
 * NVIDIA GPU, or on a host without NVML, has a record that says why in {@code unavailable}; so does a run whose
 * telemetry failed part way, which keeps the windows measured before the failure.
 *
 * @param source            where the figures come from: {@value #NVML}
 * @param unavailable       why telemetry is missing or stopped ("no NVIDIA GPU in this run (cpu backend)"); null
 *                          when it was read throughout the run
 * @param gpu               the GPU read; null where none was
 * @param driverVersion     the NVIDIA driver's version; null where unknown
 * @param sampleIntervalMs  how often power, clocks and temperature were sampled, ms; null where nothing was
 * @param windows           one per measured point, in the points' order (a point the run stopped in may close
 *                          one last window of its own)
 * @param eccStart          ECC error counts when the run started; null where not read
 * @param eccEnd            ECC error counts when it ended; null where not read
 * @param retiredPagesStart retired pages when the run started; null where not read
 * @param retiredPagesEnd   retired pages when it ended; null where not read
 */
public record DeviceTelemetry(String source, String unavailable, GpuIdentity gpu, String driverVersion,
        Integer sampleIntervalMs, List<TelemetryWindow> windows, EccCounts eccStart, EccCounts eccEnd,
        RetiredPages retiredPagesStart, RetiredPages retiredPagesEnd) {
    /** {@code source} of figures read through NVML. */
    public static final String NVML = "nvml";

    public DeviceTelemetry {
        windows = windows == null ? List.of() : List.copyOf(windows);
    }

    /** A record of no telemetry, saying why. */
    public static DeviceTelemetry unavailable(String reason) {
        return new DeviceTelemetry(NVML, reason, null, null, null, List.of(), null, null, null, null);
    }

    /**
     * The window of the point at {@code index} of the result, whose label is {@code label}; null where there is none
     * (telemetry stopped before it, or the windows do not follow the points).
     */
    public TelemetryWindow windowOf(int index, String label) {
        if (index < 0 || index >= windows.size()) {
            return null;
        }
        TelemetryWindow w = windows.get(index);
        return w.label() != null && w.label().equals(label) ? w : null;
    }
}

package dev.tokenmeter.telemetry;

/**
 * The counters of one GPU that telemetry reads, each as the driver reports it now. A counter the device does not
 * support returns null; a failure to read one (the GPU lost, the driver gone) throws an unchecked exception, which
 * a {@link TelemetrySession} turns into the reason its record gives. Implementations must allow calls from two
 * threads (the session's sampler and the run), which a session never makes at the same time.
 */
public interface GpuCounters extends AutoCloseable {
    /** Which GPU this is. */
    GpuIdentity identity();

    /** The driver's version ("580.95.05"); null where unknown. */
    String driverVersion();

    /** The board's power draw, milliwatts; null where unsupported. */
    Integer powerMilliwatts();

    /**
     * Energy the GPU consumed since the driver loaded, millijoules ({@code nvmlDeviceGetTotalEnergyConsumption},
     * Volta and later); null where unsupported.
     */
    Long totalEnergyMillijoules();

    /** The SM clock now, MHz; null where unsupported. */
    Integer smClockMhz();

    /** The memory clock now, MHz; null where unsupported. */
    Integer memoryClockMhz();

    /** The GPU's temperature, °C; null where unsupported. */
    Integer temperatureC();

    /** The clocks event (throttle) reasons now, a mask of {@link ThrottleReason} bits; null where unsupported. */
    Long clocksEventReasons();

    /** ECC error counts now; a count the device does not support is null in it. */
    EccCounts eccCounts();

    /** Retired pages now; what the device does not support is null in it. */
    RetiredPages retiredPages();

    /** Releases what the counters hold (NVML's reference); no counter may be read after. */
    @Override
    void close();
}

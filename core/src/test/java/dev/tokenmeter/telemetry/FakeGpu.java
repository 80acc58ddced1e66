package dev.tokenmeter.telemetry;

import java.util.function.LongSupplier;

/**
 * {@link GpuCounters} whose readings a test sets: each counter reads its field (null: unsupported), the energy
 * counter either its field or, given a clock, what a constant draw of {@code powerMilliwatts} has used since the
 * fake was made. A counter can be made to fail from its n-th read on, as a lost GPU's would.
 */
public class FakeGpu implements GpuCounters {
    public static final GpuIdentity H200 = new GpuIdentity(0, "GPU-0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "00000000:3B:00.0", "NVIDIA H200");

    public volatile Integer powerMilliwatts = 300_000;
    public volatile Long energyMillijoules;
    public volatile Integer smClockMhz = 1980;
    public volatile Integer memoryClockMhz = 3201;
    public volatile Integer temperatureC = 41;
    public volatile Long reasons = 0L;
    public volatile EccCounts ecc = new EccCounts(0L, 0L, 2L, 0L);
    public volatile RetiredPages retired = new RetiredPages(null, null, null);
    public volatile GpuIdentity identity = H200;
    /** Power reads so far. */
    public volatile int powerReads;
    /** From this power read on (1 = the first), reading power throws; 0 for never. */
    public volatile int failPowerFrom;
    public volatile boolean closed;
    private final LongSupplier clock;
    private final long start;

    /** A fake whose energy counter is {@link #energyMillijoules} (null: the device has none). */
    public FakeGpu() {
        this(null);
    }

    /** A fake whose energy counter follows {@code clock} (ns) at the constant draw {@link #powerMilliwatts}. */
    public FakeGpu(LongSupplier clock) {
        this.clock = clock;
        this.start = clock == null ? 0 : clock.getAsLong();
    }

    @Override
    public GpuIdentity identity() {
        return identity;
    }

    @Override
    public String driverVersion() {
        return "580.95.05";
    }

    @Override
    public Integer powerMilliwatts() {
        int n = ++powerReads;
        if (failPowerFrom > 0 && n >= failPowerFrom) {
            throw new IllegalStateException("nvmlDeviceGetPowerUsage: GPU is lost (NVML error 15)");
        }
        return powerMilliwatts;
    }

    @Override
    public Long totalEnergyMillijoules() {
        if (clock != null) {
            // mW × ns / 1e9 = mJ.
            return 1_000_000L + Math.round(powerMilliwatts * ((clock.getAsLong() - start) / 1e9));
        }
        return energyMillijoules;
    }

    @Override
    public Integer smClockMhz() {
        return smClockMhz;
    }

    @Override
    public Integer memoryClockMhz() {
        return memoryClockMhz;
    }

    @Override
    public Integer temperatureC() {
        return temperatureC;
    }

    @Override
    public Long clocksEventReasons() {
        return reasons;
    }

    @Override
    public EccCounts eccCounts() {
        return ecc;
    }

    @Override
    public RetiredPages retiredPages() {
        return retired;
    }

    @Override
    public void close() {
        closed = true;
    }
}

package dev.tokenmeter.backend;

/**
 * The two limits of a device that the roofline is drawn from, and, for measured ones, how much their
 * repetitions agreed. A ceiling measured on a busy host varies from repetition to repetition (a 2-core host gave
 * 26 to 72 GB/s between runs), and every utilization figure divides by it; the spread says how far to trust them.
 *
 * @param memoryBandwidth       bytes per second
 * @param flops                 floating-point operations per second in the engine's compute type
 * @param source                how the figures were obtained ("measured: ...", "datasheet: ...")
 * @param memoryBandwidthSpread how far the median repetition fell below the best one, as a fraction of the best
 *                              (0.2: the median was 20% lower); 0 where not measured in repetitions (a datasheet, a
 *                              result written before it was recorded)
 * @param flopsSpread           the same for {@code flops}
 * @param repetitions           timed repetitions behind each figure; 0 where not measured in repetitions
 */
public record DeviceCeilings(double memoryBandwidth, double flops, String source, double memoryBandwidthSpread,
        double flopsSpread, int repetitions) {
    /**
     * A spread at or above this makes a ceiling noisy: the utilization figures resting on it are uncertain. On a quiet
     * 2-core host the CPU's bandwidth repetitions spread 4 to 16% (docs/performance.md); a neighbour's work took
     * them to 35%.
     */
    public static final double NOISY_SPREAD = 0.20;

    public DeviceCeilings {
        if (!(memoryBandwidth > 0) || !Double.isFinite(memoryBandwidth)) {
            throw new IllegalArgumentException("memoryBandwidth must be a positive number of bytes/s, got "
                    + memoryBandwidth);
        }
        if (!(flops > 0) || !Double.isFinite(flops)) {
            throw new IllegalArgumentException("flops must be a positive number of FLOP/s, got " + flops);
        }
        spread("memoryBandwidthSpread", memoryBandwidthSpread);
        spread("flopsSpread", flopsSpread);
        if (repetitions < 0) {
            throw new IllegalArgumentException("repetitions must be >= 0 (0 = not measured in repetitions), got "
                    + repetitions);
        }
    }

    /** Ceilings without repetitions: a datasheet's, or a figure given once. */
    public DeviceCeilings(double memoryBandwidth, double flops, String source) {
        this(memoryBandwidth, flops, source, 0, 0, 0);
    }

    private static void spread(String field, double value) {
        if (!(value >= 0) || !(value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), got " + value);
        }
    }

    /** Time in seconds below which moving {@code bytes} and computing {@code flopCount} is impossible. */
    public double floorSeconds(double bytes, double flopCount) {
        return Math.max(bytes / memoryBandwidth, flopCount / flops);
    }

    /** Whether the bandwidth's repetitions spread {@link #NOISY_SPREAD} or more: MBU rests on a noisy figure. */
    public boolean noisyBandwidth() {
        return memoryBandwidthSpread >= NOISY_SPREAD;
    }

    /** Whether the FLOP/s' repetitions spread {@link #NOISY_SPREAD} or more: MFU rests on a noisy figure. */
    public boolean noisyFlops() {
        return flopsSpread >= NOISY_SPREAD;
    }
}

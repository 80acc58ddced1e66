package dev.tokenmeter.backend;

/**
 * The two limits of a device that the roofline is drawn from.
 *
 * @param memoryBandwidth bytes per second
 * @param flops           floating-point operations per second in the engine's compute type
 * @param source          how the figures were obtained ("measured: ...", "datasheet: ...")
 */
public record DeviceCeilings(double memoryBandwidth, double flops, String source) {
    public DeviceCeilings {
        if (!(memoryBandwidth > 0) || !Double.isFinite(memoryBandwidth)) {
            throw new IllegalArgumentException("memoryBandwidth must be a positive number of bytes/s, got "
                    + memoryBandwidth);
        }
        if (!(flops > 0) || !Double.isFinite(flops)) {
            throw new IllegalArgumentException("flops must be a positive number of FLOP/s, got " + flops);
        }
    }

    /** Time in seconds below which moving {@code bytes} and computing {@code flopCount} is impossible. */
    public double floorSeconds(double bytes, double flopCount) {
        return Math.max(bytes / memoryBandwidth, flopCount / flops);
    }
}

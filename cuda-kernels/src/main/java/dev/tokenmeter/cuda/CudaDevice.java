package dev.tokenmeter.cuda;

import java.util.Locale;
import java.util.Objects;

/**
 * A GPU as the driver describes it.
 *
 * @param ordinal         the driver's device number (CUDA_VISIBLE_DEVICES applies)
 * @param name            product name ("NVIDIA H100 80GB HBM3")
 * @param major           compute capability, major
 * @param minor           compute capability, minor
 * @param memoryBytes     device memory, bytes
 * @param multiprocessors streaming multiprocessors
 */
public record CudaDevice(int ordinal, String name, int major, int minor, long memoryBytes, int multiprocessors) {
    public CudaDevice {
        Objects.requireNonNull(name, "name");
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal must be >= 0, got " + ordinal);
        }
    }

    /** The compute capability as 10 × major + minor (90 for sm_90), the form kernels' targets are compared in. */
    public int computeCapability() {
        return 10 * major + minor;
    }

    /** "sm_90". */
    public String arch() {
        return "sm_" + major + minor;
    }

    /** Device memory in GiB, one decimal ("79.6 GiB"). */
    public String memory() {
        return String.format(Locale.ROOT, "%.1f GiB", memoryBytes / (double) (1L << 30));
    }
}

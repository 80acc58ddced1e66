package dev.tokenmeter.cuda;

import dev.tokenmeter.backend.DeviceCeilings;
import java.util.List;
import java.util.Locale;

/**
 * Vendors' figures for the GPUs tokenmeter knows: peak memory bandwidth and dense (no sparsity) bf16 tensor-core
 * FLOP/s, from NVIDIA's product datasheets. Matched on the driver's device name; a GPU not listed has none, and
 * only the measured ceilings are used for it.
 */
public final class GpuDatasheets {
    private record Entry(String match, String label, double bandwidth, double flops) {
        /** Whether the device name holds {@code match} as whole words ("L4" is not in "L40S", "B200" not in "GB200"). */
        boolean matches(String upperName) {
            return java.util.regex.Pattern.compile("(?<![A-Z0-9])" + java.util.regex.Pattern.quote(match)
                    + "(?![A-Z0-9])").matcher(upperName).find();
        }
    }

    // The first entry whose match the device name contains wins: specific names first.
    private static final List<Entry> ENTRIES = List.of(
            new Entry("GH200", "GH200 (96 GB HBM3)", 4.0e12, 989.4e12),
            new Entry("H200 NVL", "H200 NVL", 4.8e12, 835.0e12),
            new Entry("H200", "H200 SXM", 4.8e12, 989.4e12),
            new Entry("H100 PCIE", "H100 PCIe", 2.0e12, 756.0e12),
            new Entry("H100 NVL", "H100 NVL", 3.9e12, 835.0e12),
            new Entry("H100", "H100 SXM5", 3.35e12, 989.4e12),
            new Entry("H800", "H800 SXM5", 3.35e12, 989.4e12),
            new Entry("B200", "B200", 8.0e12, 2250e12),
            new Entry("A100-SXM4-80GB", "A100 SXM4 80GB", 2.039e12, 312e12),
            new Entry("A100 80GB PCIE", "A100 PCIe 80GB", 1.935e12, 312e12),
            new Entry("A100", "A100 40GB", 1.555e12, 312e12),
            new Entry("L40S", "L40S", 0.864e12, 362.05e12),
            new Entry("L40", "L40", 0.864e12, 181.0e12),
            new Entry("L4", "L4", 0.300e12, 121e12),
            new Entry("A10", "A10", 0.600e12, 125e12));

    private GpuDatasheets() {
    }

    /** The datasheet ceilings of the GPU the driver calls {@code deviceName}, or null where none is known. */
    public static DeviceCeilings of(String deviceName) {
        String name = deviceName.toUpperCase(Locale.ROOT);
        for (Entry e : ENTRIES) {
            if (e.matches(name)) {
                return new DeviceCeilings(e.bandwidth(), e.flops(), "datasheet: NVIDIA " + e.label()
                        + String.format(Locale.ROOT, ", %.2f TB/s, %.0f TFLOP/s dense bf16", e.bandwidth() / 1e12,
                        e.flops() / 1e12));
            }
        }
        return null;
    }
}

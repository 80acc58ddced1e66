package dev.tokenmeter.plan;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import java.util.List;

/**
 * The GPUs a plan is projected to, with vendor figures per GPU: peak memory bandwidth and dense (no sparsity) bf16
 * tensor-core FLOP/s. The 989.4 TFLOP/s of the H100 and H200 is the datasheet's 1,979 with sparsity halved, the
 * figure {@code GpuDatasheets} (the CUDA backend's table) records in results, so that a measured H100's own
 * figures and this table's agree exactly.
 */
public final class GpuCatalog {
    public static final GpuSpec H100_SXM = new GpuSpec("H100 SXM", "H100", 3.35e12, 989.4e12, "h100",
            "NVIDIA H100 Tensor Core GPU datasheet, SXM5: 3.35 TB/s HBM3, 989 TFLOP/s dense bf16 (1,979 sparse)");
    public static final GpuSpec H200_SXM = new GpuSpec("H200 SXM", "H200", 4.8e12, 989.4e12, "h200",
            "NVIDIA H200 Tensor Core GPU datasheet, SXM: 4.8 TB/s HBM3e, 989 TFLOP/s dense bf16 (1,979 sparse)");
    public static final GpuSpec B200 = new GpuSpec("B200", "B200", 8.0e12, 2250e12, "b200",
            "NVIDIA HGX B200 datasheet, per GPU: 8 TB/s HBM3e, 2.25 PFLOP/s dense bf16 (4.5 sparse)");
    public static final GpuSpec GB200 = new GpuSpec("GB200", "GB200", 8.0e12, 2500e12, "gb200",
            "NVIDIA GB200 NVL72 datasheet, per GPU (rack figures / 72): 8 TB/s HBM3e (576 TB/s per rack),"
                    + " 2.5 PFLOP/s dense bf16 (360 PFLOP/s sparse per rack)");
    /**
     * Announced, not shipped: NVIDIA gave memory bandwidth and an NVFP4 figure but no dense bf16 one, so Rubin is
     * projected for decode only. Announced at GTC 2025 with 13 TB/s; the figure reported since CES 2026 (Vera Rubin
     * NVL72) is 22 TB/s per GPU, which is used here; later announcements may revise it again.
     */
    public static final GpuSpec RUBIN = new GpuSpec("Rubin", "RUBIN", 22e12, null, null,
            "NVIDIA announcement (CES 2026, Vera Rubin NVL72; no datasheet yet): Rubin GPU, 288 GB HBM4 at 22 TB/s"
                    + " (13 TB/s when first announced at GTC 2025), 50 PFLOP/s NVFP4 inference; no dense bf16 figure"
                    + " published");

    private static final List<GpuSpec> ALL = List.of(H100_SXM, H200_SXM, B200, GB200, RUBIN);

    /** Relative difference under which a device's datasheet figures are taken to be an entry's. */
    private static final double SAME_FIGURES = 0.01;

    private GpuCatalog() {
    }

    /** Every GPU, in the order tables list them. */
    public static List<GpuSpec> all() {
        return ALL;
    }

    /**
     * The entry that is the measured device itself, or null: its name must name the entry and its datasheet
     * figures must be the entry's (an "H100 PCIe" is named H100 but is not an H100 SXM). A device without
     * datasheet figures matches none, so nothing is taken for granted about it.
     */
    public static GpuSpec sameAs(DeviceInfo device) {
        DeviceCeilings sheet = device.datasheet();
        if (sheet == null || !"gpu".equals(device.kind())) {
            return null;
        }
        for (GpuSpec g : ALL) {
            if (g.namedIn(device.name()) && close(sheet.memoryBandwidth(), g.memoryBandwidth())
                    && g.bf16Known() && close(sheet.flops(), g.bf16Flops())) {
                return g;
            }
        }
        return null;
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= SAME_FIGURES * Math.max(Math.abs(a), Math.abs(b));
    }
}

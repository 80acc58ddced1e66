package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import org.junit.jupiter.api.Test;

/** The datasheet figures a device name gets: the most specific entry wins. No GPU needed. */
class GpuDatasheetsTest {
    private static DeviceCeilings known(String deviceName) {
        DeviceCeilings c = GpuDatasheets.of(deviceName);
        assertNotNull(c, () -> "no datasheet for " + deviceName);
        return c;
    }

    private static void assertFigures(DeviceCeilings c, double bandwidth, double flops, String label) {
        assertEquals(bandwidth, c.memoryBandwidth(), 0.0, c.source());
        assertEquals(flops, c.flops(), 0.0, c.source());
        assertTrue(c.source().startsWith("datasheet: NVIDIA " + label + ", "), c.source());
    }

    @Test
    void h100SxmByItsDriverName() {
        DeviceCeilings c = known("NVIDIA H100 80GB HBM3");
        assertFigures(c, 3.35e12, 989.4e12, "H100 SXM5");
        assertEquals("datasheet: NVIDIA H100 SXM5, 3.35 TB/s, 989 TFLOP/s dense bf16", c.source());
    }

    @Test
    void h100PcieIsNotTakenForTheSxm() {
        assertFigures(known("NVIDIA H100 PCIe"), 2.0e12, 756.0e12, "H100 PCIe");
    }

    @Test
    void h200() {
        assertFigures(known("NVIDIA H200"), 4.8e12, 989.4e12, "H200 SXM");
    }

    @Test
    void gh200IsNotTakenForTheH200() {
        assertFigures(known("NVIDIA GH200 480GB"), 4.0e12, 989.4e12, "GH200 (96 GB HBM3)");
    }

    @Test
    void matchingIgnoresCase() {
        assertEquals(known("NVIDIA H100 PCIe"), known("nvidia h100 pcie"));
    }

    @Test
    void unknownGpusHaveNone() {
        assertNull(GpuDatasheets.of("NVIDIA GeForce RTX 4090"));
        assertNull(GpuDatasheets.of("Tesla V100-SXM2-16GB"));
        assertNull(GpuDatasheets.of(""));
    }
}

package dev.tokenmeter.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.PricePresets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The GPU table: its figures, its prices, and which entry a measured device is. */
class GpuCatalogTest {
    private static DeviceInfo gpu(String name, double bandwidth, double flops) {
        return new DeviceInfo("cuda", name, "gpu", 100, 80_000_000_000L, 0,
                new DeviceCeilings(bandwidth * 0.9, flops * 0.6, "measured: test"),
                new DeviceCeilings(bandwidth, flops, "datasheet: test"), Map.of());
    }

    @Test
    void figuresAsTheDatasheetsGiveThem() {
        assertEquals(3.35e12, GpuCatalog.H100_SXM.memoryBandwidth());
        assertEquals(989.4e12, GpuCatalog.H100_SXM.bf16Flops());
        assertEquals(4.8e12, GpuCatalog.H200_SXM.memoryBandwidth());
        assertEquals(989.4e12, GpuCatalog.H200_SXM.bf16Flops());
        assertEquals(8e12, GpuCatalog.B200.memoryBandwidth());
        assertEquals(2250e12, GpuCatalog.B200.bf16Flops());
        assertEquals(8e12, GpuCatalog.GB200.memoryBandwidth());
        assertEquals(2500e12, GpuCatalog.GB200.bf16Flops());
        assertEquals(22e12, GpuCatalog.RUBIN.memoryBandwidth());
        assertFalse(GpuCatalog.RUBIN.bf16Known(), "no dense bf16 figure was published for Rubin");
        for (GpuSpec g : GpuCatalog.all()) {
            assertFalse(g.source().isBlank(), g.name());
        }
    }

    @Test
    void pricesComeOnlyFromPresets() {
        for (GpuSpec g : GpuCatalog.all()) {
            if (g.pricePreset() != null) {
                assertEquals(g.pricePreset().toUpperCase(), PricePresets.get(g.pricePreset()).label());
            }
        }
        assertNull(GpuCatalog.RUBIN.pricePreset(), "Rubin has no list price; none is invented");
    }

    @Test
    void theMeasuredDeviceIsTheEntryWithItsNameAndFigures() {
        assertSame(GpuCatalog.H100_SXM, GpuCatalog.sameAs(gpu("NVIDIA H100 80GB HBM3", 3.35e12, 989.4e12)));
        assertSame(GpuCatalog.H200_SXM, GpuCatalog.sameAs(gpu("NVIDIA H200", 4.8e12, 989.4e12)));
        // Named H100 but with the PCIe card's figures: not the SXM entry.
        assertNull(GpuCatalog.sameAs(gpu("NVIDIA H100 PCIe", 2.0e12, 756e12)));
        // "B200" is not a word of "GB200".
        assertSame(GpuCatalog.GB200, GpuCatalog.sameAs(gpu("NVIDIA GB200", 8e12, 2500e12)));
        assertTrue(GpuCatalog.B200.namedIn("NVIDIA B200"));
        assertFalse(GpuCatalog.B200.namedIn("NVIDIA GB200"));
        // Without datasheet figures nothing is assumed.
        assertNull(GpuCatalog.sameAs(PlanFixtures.UNKNOWN_GPU));
        assertNull(GpuCatalog.sameAs(PlanFixtures.CPU));
    }
}

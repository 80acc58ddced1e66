package dev.tokenmeter.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which price a device gets, and how a --price argument is read. */
class PricePresetsTest {
    private static DeviceInfo gpu(String name) {
        return new DeviceInfo("cuda", name, "gpu", 132, 80L << 30, 50L << 20,
                new DeviceCeilings(3e12, 900e12, "measured: test"), null, Map.of());
    }

    private static DeviceInfo cpu(String name) {
        return new DeviceInfo("cpu", name, "cpu", 2, 8L << 30, 32L << 20,
                new DeviceCeilings(20e9, 100e9, "measured: test"), null, Map.of());
    }

    @Test
    void gpusAreMatchedByTheLongestPresetInTheirName() {
        assertSame(PricePresets.get("gb200"), PricePresets.forDevice(gpu("NVIDIA GB200")));
        assertEquals("GB200", PricePresets.forDevice(gpu("NVIDIA GB200")).label());
        assertSame(PricePresets.get("b200"), PricePresets.forDevice(gpu("NVIDIA B200")));
        assertSame(PricePresets.get("h100"), PricePresets.forDevice(gpu("NVIDIA H100 80GB HBM3")));
        assertSame(PricePresets.get("h100"), PricePresets.forDevice(gpu("NVIDIA H100 NVL")));
        assertSame(PricePresets.get("h200"), PricePresets.forDevice(gpu("NVIDIA H200")));
        assertSame(PricePresets.get("a100"), PricePresets.forDevice(gpu("NVIDIA A100-SXM4-80GB")));
        assertSame(PricePresets.get("l40s"), PricePresets.forDevice(gpu("NVIDIA L40S")));
        assertEquals(6.155, PricePresets.forDevice(gpu("NVIDIA H100 80GB HBM3")).usdPerHour());
    }

    @Test
    void aCpuGetsTheInstancePriceWhateverItsName() {
        Price p = PricePresets.forDevice(cpu("AMD EPYC"));
        assertSame(PricePresets.get("cpu"), p);
        assertEquals(0.1008, p.usdPerHour());
        // A CPU whose model name happens to contain a GPU preset's letters is still a CPU.
        assertSame(PricePresets.get("cpu"), PricePresets.forDevice(cpu("Weird a100 CPU")));
    }

    @Test
    void unknownDevicesHaveNoPrice() {
        assertNull(PricePresets.forDevice(gpu("NVIDIA GeForce RTX 4090")));
        assertNull(PricePresets.forDevice(gpu("Tesla T4")));
        // The CPU preset is never matched by name on a GPU.
        assertNull(PricePresets.forDevice(gpu("cpu-like accelerator")));
    }

    /** GH200 (Grace Hopper) is not an H200, and the H200 list price is not its price. */
    @Test
    void gh200IsNotTakenForH200() {
        assertNull(PricePresets.forDevice(gpu("NVIDIA GH200 480GB")));
    }

    @Test
    void parseAcceptsAutoPresetsAndNumbers() {
        DeviceInfo h100 = gpu("NVIDIA H100 80GB HBM3");
        assertSame(PricePresets.get("h100"), PricePresets.parse("auto", h100));
        assertSame(PricePresets.get("h100"), PricePresets.parse(" AUTO ", h100));
        assertSame(PricePresets.get("h100"), PricePresets.parse("h100", cpu("x")));
        assertSame(PricePresets.get("b200"), PricePresets.parse("B200", h100));
        Price user = PricePresets.parse("3.5", h100);
        assertEquals(3.5, user.usdPerHour());
        assertEquals("user", user.label());
        assertEquals(1.0, user.utilization());
    }

    @Test
    void parseRefusesWithTheKnownPresets() {
        IllegalArgumentException bogus = assertThrows(IllegalArgumentException.class,
                () -> PricePresets.parse("bogus", gpu("NVIDIA H100")));
        assertTrue(bogus.getMessage().contains("bogus"), bogus.getMessage());
        for (String name : PricePresets.all().keySet()) {
            assertTrue(bogus.getMessage().contains(name), bogus.getMessage());
        }
        IllegalArgumentException auto = assertThrows(IllegalArgumentException.class,
                () -> PricePresets.parse("auto", gpu("NVIDIA GeForce RTX 4090")));
        assertTrue(auto.getMessage().contains("RTX 4090") && auto.getMessage().contains("h100"), auto.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PricePresets.parse("-2", gpu("NVIDIA H100")));
        assertThrows(IllegalArgumentException.class, () -> PricePresets.parse("NaN", gpu("NVIDIA H100")));
    }

    @Test
    void everyPresetHasASourceAndDate() {
        assertTrue(PricePresets.all().size() >= 7);
        for (Map.Entry<String, Price> e : PricePresets.all().entrySet()) {
            Price p = e.getValue();
            assertTrue(p.usdPerHour() > 0, e.getKey());
            assertTrue(!p.source().isBlank() && !p.asOf().isBlank(), e.getKey());
            assertEquals(1.0, p.utilization(), e.getKey());
        }
    }
}

package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.TelemetrySession;
import dev.tokenmeter.telemetry.TelemetryWindow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NVML against a real driver: the session opened for the CUDA backend's device reads the same GPU (its PCI bus id
 * and UUID agree with CUDA's), and a window over some seconds of work has power, energy, clocks and temperature.
 * Skipped, with the reason, where there is no GPU.
 */
@Tag("gpu")
class NvmlTelemetryGpuTest {
    @Test
    void theSessionReadsTheCudaDevicesGpu() throws InterruptedException {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU: " + probe.reason());
        try (CudaBackend backend = (CudaBackend) new CudaBackendProvider().open()) {
            DeviceInfo device = backend.device();
            String pci = device.details().get(DeviceInfo.PCI_BUS_ID);
            assertNotNull(pci, device.details().toString());
            assertTrue(pci.matches("[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\\.0"), pci);
            TelemetrySession session = TelemetrySession.open(device);
            session.begin("busy");
            // The device's ceilings were measured above; a second of sampling is enough to see counters move.
            Thread.sleep(1000);
            TelemetryWindow w = session.end(1000, 10);
            DeviceTelemetry t = session.finish();
            assertNull(t.unavailable(), t.unavailable());
            assertEquals(pci, t.gpu().pciBusId(), "NVML's GPU is CUDA's");
            assertEquals(device.details().get(DeviceInfo.GPU_UUID), t.gpu().uuid());
            assertNotNull(t.driverVersion());
            assertNotNull(w);
            assertTrue(w.samples() >= 5, w.toString());
            assertNotNull(w.meanPowerWatts(), w.toString());
            assertTrue(w.meanPowerWatts() > 10 && w.meanPowerWatts() < 2000, w.toString());
            assertNotNull(w.smClockMhzMedian(), w.toString());
            assertNotNull(w.maxTemperatureC(), w.toString());
            assertEquals(w.meanPowerWatts() / 1000, w.joulesPerOutputToken(), 1e-12);
            System.out.println("NVML telemetry: " + t);
        }
    }
}

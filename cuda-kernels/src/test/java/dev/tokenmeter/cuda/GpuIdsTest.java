package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The CUDA device's PCI bus id and UUID as the backend records them (in {@code device.details}), written as NVML
 * and nvidia-smi write them, so that telemetry finds the same GPU in NVML. No GPU needed.
 */
class GpuIdsTest {
    @Test
    void pciBusIdIsDomainBusDeviceInUpperCaseHexWithFunctionZero() {
        assertEquals("00000000:3B:00.0", CudaBackend.pciBusId(0, 0x3b, 0));
        assertEquals("00000001:C1:1F.0", CudaBackend.pciBusId(1, 0xc1, 0x1f));
    }

    @Test
    void uuidIsGpuAndSixteenBytesInLowerCaseHexGrouped() {
        byte[] b = new byte[16];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (0xf0 + i);
        }
        assertEquals("GPU-f0f1f2f3-f4f5-f6f7-f8f9-fafbfcfdfeff", CudaBackend.uuid(b));
    }
}

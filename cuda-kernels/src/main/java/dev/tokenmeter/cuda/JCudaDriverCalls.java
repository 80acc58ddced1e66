package dev.tokenmeter.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuGetErrorName;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * {@link CudaDriverCalls} through JCuda's driver API. The only class the probe loads that names a JCuda type, and
 * only once availability is asked: a CPU-only run never loads it. Exceptions stay disabled (JCuda's default):
 * results come back as codes.
 */
final class JCudaDriverCalls implements CudaDriverCalls {
    private static final int NAME_BYTES = 256;

    @Override
    public int init() {
        return cuInit(0);
    }

    @Override
    public int driverVersion(int[] version) {
        return cuDriverGetVersion(version);
    }

    @Override
    public int deviceCount(int[] count) {
        return cuDeviceGetCount(count);
    }

    @Override
    public int deviceName(int ordinal, String[] name) {
        CUdevice device = new CUdevice();
        int r = cuDeviceGet(device, ordinal);
        if (r != 0) {
            return r;
        }
        byte[] bytes = new byte[NAME_BYTES];
        r = cuDeviceGetName(bytes, bytes.length, device);
        if (r == 0) {
            int n = 0;
            while (n < bytes.length && bytes[n] != 0) {
                n++;
            }
            name[0] = new String(bytes, 0, n, StandardCharsets.UTF_8);
        }
        return r;
    }

    @Override
    public int computeCapability(int ordinal, int[] majorMinor) {
        CUdevice device = new CUdevice();
        int r = cuDeviceGet(device, ordinal);
        int[] value = new int[1];
        if (r == 0) {
            r = cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
            majorMinor[0] = value[0];
        }
        if (r == 0) {
            r = cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            majorMinor[1] = value[0];
        }
        return r;
    }

    @Override
    public int totalMemory(int ordinal, long[] bytes) {
        CUdevice device = new CUdevice();
        int r = cuDeviceGet(device, ordinal);
        return r != 0 ? r : cuDeviceTotalMem(bytes, device);
    }

    @Override
    public int multiprocessors(int ordinal, int[] count) {
        CUdevice device = new CUdevice();
        int r = cuDeviceGet(device, ordinal);
        return r != 0 ? r
                : cuDeviceGetAttribute(count, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
    }

    @Override
    public String errorName(int result) {
        String[] name = new String[1];
        return cuGetErrorName(result, name) == 0 ? name[0] : null;
    }
}

package dev.tokenmeter.cuda;

/**
 * The few driver-API calls the probe makes, as CUDA result codes (0 = success) with results written into the
 * arrays given. {@link JCudaDriverCalls} makes them through JCuda; tests give scripted answers, so that every
 * branch of the probe's decision is checked on a host without a GPU.
 */
interface CudaDriverCalls {
    /** cuInit(0). The first call through JCuda loads its native library, which may throw a LinkageError. */
    int init();

    /** cuDriverGetVersion: 1000 × major + 10 × minor of the CUDA version the driver supports. */
    int driverVersion(int[] version);

    int deviceCount(int[] count);

    int deviceName(int ordinal, String[] name);

    /** Compute capability: {@code majorMinor[0]} major, {@code majorMinor[1]} minor. */
    int computeCapability(int ordinal, int[] majorMinor);

    /** Bytes of device memory. */
    int totalMemory(int ordinal, long[] bytes);

    int multiprocessors(int ordinal, int[] count);

    /** The result's name ("CUDA_ERROR_NO_DEVICE"), or null where the driver does not know it. */
    String errorName(int result);
}

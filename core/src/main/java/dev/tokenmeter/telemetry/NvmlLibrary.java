package dev.tokenmeter.telemetry;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The NVML functions telemetry calls, bound by JNA to {@code libnvidia-ml.so.1} (signatures from NVML's
 * {@code nvml.h}). Every function returns an {@code nvmlReturn_t}: 0 for success. A device handle
 * ({@code nvmlDevice_t}) is an opaque pointer. Unsigned C integers arrive in Java's signed types and are read with
 * {@link Integer#toUnsignedLong}. Buffers for C strings and structures are byte arrays, which JNA copies in and
 * out, so that no structure class needs reflection. A function an older driver lacks throws
 * {@link UnsatisfiedLinkError} when called.
 *
 * <p>Compiled only on hosts without an NVIDIA driver: it is exercised where {@code libnvidia-ml.so.1} is present.
 */
interface NvmlLibrary extends Library {
    /** The library's name as the driver installs it (the unversioned name comes only with development files). */
    String NAME = "libnvidia-ml.so.1";

    int SUCCESS = 0;
    int ERROR_NOT_SUPPORTED = 3;
    int ERROR_NO_PERMISSION = 4;
    int ERROR_INSUFFICIENT_SIZE = 7;
    int ERROR_FUNCTION_NOT_FOUND = 13;

    /** {@code nvmlClockType_t}. */
    int CLOCK_SM = 1;
    int CLOCK_MEM = 2;
    /** {@code nvmlTemperatureSensors_t}: the GPU die. */
    int TEMPERATURE_GPU = 0;
    /** {@code nvmlMemoryErrorType_t}. */
    int MEMORY_ERROR_CORRECTED = 0;
    int MEMORY_ERROR_UNCORRECTED = 1;
    /** {@code nvmlEccCounterType_t}. */
    int VOLATILE_ECC = 0;
    int AGGREGATE_ECC = 1;
    /** {@code nvmlPageRetirementCause_t}. */
    int RETIRED_MULTIPLE_SINGLE_BIT = 0;
    int RETIRED_DOUBLE_BIT = 1;

    /** {@code NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE}. */
    int DRIVER_VERSION_BUFFER = 80;
    /** {@code NVML_DEVICE_NAME_V2_BUFFER_SIZE}, and {@code NVML_DEVICE_UUID_V2_BUFFER_SIZE}. */
    int NAME_BUFFER = 96;
    /**
     * {@code sizeof(nvmlPciInfo_t)}: {@code char busIdLegacy[16]}, five {@code unsigned int}s (domain, bus, device,
     * PCI device id, subsystem id), then {@code char busId[32]}, the full "00000000:3B:00.0" form, at byte 36.
     */
    int PCI_INFO_BYTES = 68;
    int PCI_BUS_ID_OFFSET = 36;
    int PCI_BUS_ID_BYTES = 32;

    int nvmlInit_v2();

    int nvmlShutdown();

    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetHandleByPciBusId_v2(String pciBusId, PointerByReference device);

    int nvmlDeviceGetHandleByUUID(String uuid, PointerByReference device);

    int nvmlDeviceGetIndex(Pointer device, IntByReference index);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    int nvmlDeviceGetPciInfo_v3(Pointer device, byte[] pci);

    int nvmlDeviceGetPciInfo_v2(Pointer device, byte[] pci);

    /** Milliwatts. */
    int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);

    /** Millijoules since the driver loaded. */
    int nvmlDeviceGetTotalEnergyConsumption(Pointer device, LongByReference millijoules);

    /** MHz. */
    int nvmlDeviceGetClockInfo(Pointer device, int clockType, IntByReference mhz);

    /** °C. */
    int nvmlDeviceGetTemperature(Pointer device, int sensor, IntByReference celsius);

    /** Driver R535 and later. */
    int nvmlDeviceGetCurrentClocksEventReasons(Pointer device, LongByReference reasons);

    /** The same mask under its older name (deprecated from R535). */
    int nvmlDeviceGetCurrentClocksThrottleReasons(Pointer device, LongByReference reasons);

    int nvmlDeviceGetTotalEccErrors(Pointer device, int errorType, int counterType, LongByReference count);

    /** With {@code count} 0 and no buffer: the count comes back, with INSUFFICIENT_SIZE where it is not 0. */
    int nvmlDeviceGetRetiredPages(Pointer device, int cause, IntByReference count, long[] addresses);

    /** {@code nvmlEnableState_t}: 1 where a retirement waits for the next driver reload. */
    int nvmlDeviceGetRetiredPagesPendingStatus(Pointer device, IntByReference pending);
}

package dev.tokenmeter.telemetry;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * {@link GpuCounters} of one GPU through NVML ({@link NvmlLibrary}). Every call's return code is checked: a
 * counter the device does not support (NOT_SUPPORTED, or a function this driver lacks, or NO_PERMISSION in a
 * container that hides it) reads as null; any other failure throws {@link NvmlException} naming the function and
 * NVML's words for the error.
 *
 * <p>Compiled only on hosts without an NVIDIA driver: its logic above the library is the session's, which is
 * tested with a fake; this class is exercised where {@code libnvidia-ml.so.1} is present.
 */
final class NvmlCounters implements GpuCounters {
    private final NvmlLibrary nvml;
    private final Pointer device;
    private final GpuIdentity identity;
    private final String driverVersion;
    /** Whether this driver lacks nvmlDeviceGetCurrentClocksEventReasons (older than R535). */
    private volatile boolean throttleReasonsOnly;
    private boolean closed;

    private NvmlCounters(NvmlLibrary nvml, Pointer device) {
        this.nvml = nvml;
        this.device = device;
        this.driverVersion = text(NvmlLibrary.DRIVER_VERSION_BUFFER,
                b -> nvml.nvmlSystemGetDriverVersion(b, b.length));
        this.identity = new GpuIdentity(index(),
                text(NvmlLibrary.NAME_BUFFER, b -> nvml.nvmlDeviceGetUUID(device, b, b.length)),
                pciBusId(), text(NvmlLibrary.NAME_BUFFER,
                        b -> nvml.nvmlDeviceGetName(device, b, b.length)));
    }

    /**
     * Loads {@code library}, starts NVML and finds the device {@code selector} names.
     *
     * @throws NvmlException saying why not: the library missing, NVML not starting, no such device
     */
    static NvmlCounters open(String library, GpuSelector selector) {
        NvmlLibrary nvml;
        try {
            nvml = Native.load(library, NvmlLibrary.class);
        } catch (LinkageError | RuntimeException e) {
            throw new NvmlException("NVML not found: " + library + " could not be loaded: " + loaderWords(e), e);
        }
        int r;
        try {
            r = nvml.nvmlInit_v2();
        } catch (LinkageError | RuntimeException e) {
            throw new NvmlException("NVML could not start: nvmlInit_v2: " + e.getMessage(), e);
        }
        if (r != NvmlLibrary.SUCCESS) {
            throw new NvmlException("NVML could not start: nvmlInit_v2: " + error(nvml, r));
        }
        try {
            PointerByReference handle = new PointerByReference();
            r = switch (selector.kind()) {
                case PCI_BUS_ID -> nvml.nvmlDeviceGetHandleByPciBusId_v2(selector.value(), handle);
                case UUID -> nvml.nvmlDeviceGetHandleByUUID(selector.value(), handle);
                case INDEX -> nvml.nvmlDeviceGetHandleByIndex_v2(Integer.parseInt(selector.value()), handle);
            };
            if (r != NvmlLibrary.SUCCESS) {
                throw new NvmlException("NVML has no GPU of " + selector.describe() + ": " + error(nvml, r));
            }
            return new NvmlCounters(nvml, handle.getValue());
        } catch (RuntimeException | LinkageError e) {
            nvml.nvmlShutdown();
            throw e instanceof NvmlException n ? n : new NvmlException("NVML failed to open the GPU of "
                    + selector.describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The dynamic loader's own words from JNA's message, which also lists every path it tried and the whole class
     * path: "libnvidia-ml.so.1: cannot open shared object file: No such file or directory".
     */
    static String loaderWords(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        String[] lines = m.split("\\R");
        for (String line : lines) {
            String l = line.trim();
            if (!l.isEmpty() && !l.startsWith("Unable to load library") && !l.startsWith("Native library")) {
                return l;
            }
        }
        return lines[0].trim();
    }

    @Override
    public GpuIdentity identity() {
        return identity;
    }

    @Override
    public String driverVersion() {
        return driverVersion;
    }

    @Override
    public Integer powerMilliwatts() {
        IntByReference v = new IntByReference();
        return read("nvmlDeviceGetPowerUsage", nvml.nvmlDeviceGetPowerUsage(device, v)) ? v.getValue() : null;
    }

    @Override
    public Long totalEnergyMillijoules() {
        LongByReference v = new LongByReference();
        return readLinked("nvmlDeviceGetTotalEnergyConsumption",
                () -> nvml.nvmlDeviceGetTotalEnergyConsumption(device, v)) ? v.getValue() : null;
    }

    @Override
    public Integer smClockMhz() {
        return clock("SM", NvmlLibrary.CLOCK_SM);
    }

    @Override
    public Integer memoryClockMhz() {
        return clock("memory", NvmlLibrary.CLOCK_MEM);
    }

    private Integer clock(String which, int type) {
        IntByReference v = new IntByReference();
        return read("nvmlDeviceGetClockInfo(" + which + ")", nvml.nvmlDeviceGetClockInfo(device, type, v))
                ? v.getValue() : null;
    }

    @Override
    public Integer temperatureC() {
        IntByReference v = new IntByReference();
        return read("nvmlDeviceGetTemperature", nvml.nvmlDeviceGetTemperature(device, NvmlLibrary.TEMPERATURE_GPU,
                v)) ? v.getValue() : null;
    }

    @Override
    public Long clocksEventReasons() {
        LongByReference v = new LongByReference();
        if (!throttleReasonsOnly) {
            try {
                int r = nvml.nvmlDeviceGetCurrentClocksEventReasons(device, v);
                if (r != NvmlLibrary.ERROR_FUNCTION_NOT_FOUND) {
                    return read("nvmlDeviceGetCurrentClocksEventReasons", r) ? v.getValue() : null;
                }
            } catch (UnsatisfiedLinkError e) {
                // A driver older than R535: the same mask under its older name, below.
            }
            throttleReasonsOnly = true;
        }
        return readLinked("nvmlDeviceGetCurrentClocksThrottleReasons",
                () -> nvml.nvmlDeviceGetCurrentClocksThrottleReasons(device, v)) ? v.getValue() : null;
    }

    @Override
    public EccCounts eccCounts() {
        return new EccCounts(ecc(NvmlLibrary.MEMORY_ERROR_CORRECTED, NvmlLibrary.VOLATILE_ECC),
                ecc(NvmlLibrary.MEMORY_ERROR_UNCORRECTED, NvmlLibrary.VOLATILE_ECC),
                ecc(NvmlLibrary.MEMORY_ERROR_CORRECTED, NvmlLibrary.AGGREGATE_ECC),
                ecc(NvmlLibrary.MEMORY_ERROR_UNCORRECTED, NvmlLibrary.AGGREGATE_ECC));
    }

    private Long ecc(int errorType, int counterType) {
        LongByReference v = new LongByReference();
        return read("nvmlDeviceGetTotalEccErrors", nvml.nvmlDeviceGetTotalEccErrors(device, errorType, counterType,
                v)) ? v.getValue() : null;
    }

    @Override
    public RetiredPages retiredPages() {
        Long single = retired(NvmlLibrary.RETIRED_MULTIPLE_SINGLE_BIT);
        Long dbl = retired(NvmlLibrary.RETIRED_DOUBLE_BIT);
        IntByReference pending = new IntByReference();
        Boolean p = readLinked("nvmlDeviceGetRetiredPagesPendingStatus",
                () -> nvml.nvmlDeviceGetRetiredPagesPendingStatus(device, pending)) ? pending.getValue() != 0 : null;
        return new RetiredPages(single, dbl, p);
    }

    /** Pages retired for {@code cause}: asked with no buffer, NVML says how many there are. */
    private Long retired(int cause) {
        IntByReference count = new IntByReference(0);
        int r;
        try {
            r = nvml.nvmlDeviceGetRetiredPages(device, cause, count, null);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
        if (r == NvmlLibrary.ERROR_INSUFFICIENT_SIZE) {
            return Integer.toUnsignedLong(count.getValue());
        }
        return read("nvmlDeviceGetRetiredPages", r) ? Integer.toUnsignedLong(count.getValue()) : null;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            nvml.nvmlShutdown();
        }
    }

    // ---- return codes ----

    /** Whether {@code function} succeeded; false where the counter is unsupported; throws on any other failure. */
    private boolean read(String function, int r) {
        if (r == NvmlLibrary.SUCCESS) {
            return true;
        }
        if (unsupported(r)) {
            return false;
        }
        throw new NvmlException(function + ": " + error(nvml, r));
    }

    /** {@link #read} of a function that an older driver may lack altogether (then: unsupported). */
    private boolean readLinked(String function, IntSupplier call) {
        int r;
        try {
            r = call.getAsInt();
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
        return read(function, r);
    }

    private static boolean unsupported(int r) {
        return r == NvmlLibrary.ERROR_NOT_SUPPORTED || r == NvmlLibrary.ERROR_FUNCTION_NOT_FOUND
                || r == NvmlLibrary.ERROR_NO_PERMISSION;
    }

    /** "GPU is lost (NVML error 15)". */
    private static String error(NvmlLibrary nvml, int r) {
        String words;
        try {
            words = nvml.nvmlErrorString(r);
        } catch (RuntimeException | LinkageError e) {
            words = null;
        }
        return (words == null ? "error" : words) + " (NVML error " + r + ")";
    }

    // ---- identity, each part null where it cannot be read ----

    private Integer index() {
        IntByReference v = new IntByReference();
        try {
            return nvml.nvmlDeviceGetIndex(device, v) == NvmlLibrary.SUCCESS ? v.getValue() : null;
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    private String pciBusId() {
        byte[] pci = new byte[NvmlLibrary.PCI_INFO_BYTES];
        int r;
        try {
            r = nvml.nvmlDeviceGetPciInfo_v3(device, pci);
        } catch (UnsatisfiedLinkError e) {
            try {
                r = nvml.nvmlDeviceGetPciInfo_v2(device, pci);
            } catch (UnsatisfiedLinkError e2) {
                return null;
            }
        }
        return r == NvmlLibrary.SUCCESS ? cString(pci, NvmlLibrary.PCI_BUS_ID_OFFSET, NvmlLibrary.PCI_BUS_ID_BYTES)
                : null;
    }

    /** A C string a function writes into a buffer of {@code size} bytes; null where it fails. */
    private static String text(int size, ToIntFunction<byte[]> call) {
        byte[] b = new byte[size];
        try {
            return call.applyAsInt(b) == NvmlLibrary.SUCCESS ? cString(b, 0, size) : null;
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /** The NUL-terminated string at {@code offset}, at most {@code max} bytes. */
    static String cString(byte[] b, int offset, int max) {
        int end = offset;
        while (end < offset + max && end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, offset, end - offset, StandardCharsets.US_ASCII);
    }

    /** A failure of NVML, in words fit for a result's {@code unavailable} reason. */
    static final class NvmlException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NvmlException(String message) {
            super(message);
        }

        NvmlException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

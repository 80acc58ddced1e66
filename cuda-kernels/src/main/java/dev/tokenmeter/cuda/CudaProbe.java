package dev.tokenmeter.cuda;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides once per JVM whether tokenmeter's kernels can run here: an NVIDIA driver that JCuda can load, a device,
 * a CUDA 13 driver (the images hold PTX ISA 9.0 and nvcc 13 machine code) and compute capability 8.0 or newer
 * (the lowest target built). Never throws: every failure becomes the reason in the answer.
 *
 * <p>This class names no JCuda type; the first touch of JCuda happens inside {@link #result()}, so loading the
 * CUDA backend's provider costs nothing on a host without a GPU until availability is asked.
 */
public final class CudaProbe {
    /** cuDriverGetVersion's value for CUDA 13.0. */
    public static final int MIN_DRIVER_VERSION = 13000;
    /** sm_80, the lowest target in the images (10 × major + minor). */
    public static final int MIN_COMPUTE_CAPABILITY = 80;

    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);
    private static final int CUDA_ERROR_NO_DEVICE = 100;
    private static final Object LOCK = new Object();
    private static volatile Result cached;

    private CudaProbe() {
    }

    /**
     * What the probe found.
     *
     * @param ready         a CUDA 13 driver and a device of compute capability 8.0 or newer are present: the
     *                      images load and their kernels launch (whether an engine exists is the provider's
     *                      business, not the probe's)
     * @param reason        why not, when not ready; the device in one line, when ready
     * @param driverVersion cuDriverGetVersion's value (13000 = 13.0), 0 where the driver was not reached
     * @param deviceCount   devices the driver reports, 0 where it was not reached
     * @param device        device 0, or null where it was not reached
     */
    public record Result(boolean ready, String reason, int driverVersion, int deviceCount, CudaDevice device) {
        static Result no(String reason) {
            return new Result(false, reason, 0, 0, null);
        }
    }

    /** The answer for this JVM, probed on the first call. */
    public static Result result() {
        Result r = cached;
        if (r == null) {
            synchronized (LOCK) {
                r = cached;
                if (r == null) {
                    r = probe(() -> new JCudaDriverCalls());
                    cached = r;
                    LOG.debug("CUDA probe: {}", r);
                }
            }
        }
        return r;
    }

    /** The decision, over any driver (scripted in tests). */
    static Result probe(Supplier<CudaDriverCalls> driverSupplier) {
        try {
            return probe(driverSupplier.get());
        } catch (LinkageError e) {
            LOG.debug("CUDA probe: JCuda could not be loaded", e);
            return Result.no(linkageReason(e));
        } catch (RuntimeException e) {
            // A JCuda surprise must not take the CPU path down with it.
            LOG.debug("CUDA probe failed", e);
            return Result.no("the CUDA probe failed: " + e);
        }
    }

    private static Result probe(CudaDriverCalls d) {
        int r = d.init();
        if (r == CUDA_ERROR_NO_DEVICE) {
            return Result.no("no CUDA device: the NVIDIA driver is installed but reports no GPU (cuInit: "
                    + describe(d, r) + ")");
        }
        if (r != 0) {
            return Result.no("the NVIDIA driver failed to start: cuInit returned " + describe(d, r));
        }
        int[] count = new int[1];
        r = d.deviceCount(count);
        if (r != 0) {
            return Result.no("cuDeviceGetCount returned " + describe(d, r));
        }
        if (count[0] < 1) {
            return Result.no("no CUDA device: the NVIDIA driver reports no GPU");
        }
        int[] version = new int[1];
        r = d.driverVersion(version);
        if (r != 0) {
            return new Result(false, "cuDriverGetVersion returned " + describe(d, r), 0, count[0], null);
        }
        if (version[0] < MIN_DRIVER_VERSION) {
            return new Result(false, "driver " + version(version[0])
                    + " is older than CUDA 13, which these kernels need", version[0], count[0], null);
        }
        String[] name = new String[1];
        int[] cc = new int[2];
        long[] memory = new long[1];
        int[] sms = new int[1];
        String failed = failure(d, d.deviceName(0, name), "cuDeviceGetName");
        if (failed == null) {
            failed = failure(d, d.computeCapability(0, cc), "cuDeviceGetAttribute(compute capability)");
        }
        if (failed == null) {
            failed = failure(d, d.totalMemory(0, memory), "cuDeviceTotalMem");
        }
        if (failed == null) {
            failed = failure(d, d.multiprocessors(0, sms), "cuDeviceGetAttribute(multiprocessors)");
        }
        if (failed != null) {
            return new Result(false, "querying GPU 0 failed: " + failed, version[0], count[0], null);
        }
        CudaDevice device = new CudaDevice(0, name[0], cc[0], cc[1], memory[0], sms[0]);
        String summary = summary(device, version[0], count[0]);
        if (device.computeCapability() < MIN_COMPUTE_CAPABILITY) {
            return new Result(false, summary + " is older than sm_80, the oldest GPU these kernels are built for",
                    version[0], count[0], device);
        }
        return new Result(true, summary, version[0], count[0], device);
    }

    /** "GPU NVIDIA H100 80GB HBM3 (sm_90, 79.6 GiB, driver 13.0)", with "device 0 of N" where there are several. */
    static String summary(CudaDevice device, int driverVersion, int deviceCount) {
        return "GPU " + device.name() + " (" + device.arch() + ", " + device.memory() + ", driver "
                + version(driverVersion) + (deviceCount > 1 ? ", device 0 of " + deviceCount : "") + ")";
    }

    /** 13000 as "13.0", 12040 as "12.4". */
    static String version(int driverVersion) {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** Null for success, else what failed. */
    private static String failure(CudaDriverCalls d, int result, String call) {
        return result == 0 ? null : call + " returned " + describe(d, result);
    }

    private static String describe(CudaDriverCalls d, int result) {
        String name = d.errorName(result);
        return (name == null ? "error" : name) + " (" + result + ")";
    }

    /**
     * JCuda's first touch throws UnsatisfiedLinkError naming what the dynamic linker missed; a later touch (another
     * class loader, or code that touched JCuda before us) throws NoClassDefFoundError whose cause repeats the first
     * error, cut short by the JVM, so the deepest cause's first line is the best left to say.
     */
    private static String linkageReason(LinkageError e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("libcuda.so")) {
                return "no NVIDIA driver: libcuda.so.1 could not be loaded";
            }
            deepest = t;
        }
        if (e instanceof NoClassDefFoundError && String.valueOf(e.getMessage()).startsWith("jcuda/")) {
            return "JCuda is not on the class path (" + e.getMessage() + ")";
        }
        return "JCuda's native library could not be loaded: " + firstLine(deepest.getMessage());
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int eol = m.indexOf('\n');
        return eol < 0 ? m : m.substring(0, eol);
    }
}

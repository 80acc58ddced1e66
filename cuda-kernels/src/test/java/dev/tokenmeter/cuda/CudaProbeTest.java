package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probe's decision, on this host and over scripted drivers for every branch. */
class CudaProbeTest {
    /** Where a Linux NVIDIA driver puts libcuda.so.1, and LD_LIBRARY_PATH. */
    static boolean libcudaPresent() {
        List<String> dirs = new ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
                "/lib/x86_64-linux-gnu", "/lib64", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
                "/usr/lib/wsl/lib"));
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(List.of(ld.split(File.pathSeparator)));
        }
        return dirs.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.exists(Path.of(d, "libcuda.so.1")));
    }

    @Test
    void probesOnceAndNeverThrows() {
        CudaProbe.Result first = CudaProbe.result();
        CudaProbe.Result second = CudaProbe.result();
        assertSame(first, second, "the probe must run once and cache its answer");
        assertNotNull(first.reason());
        assertFalse(first.reason().isBlank());
    }

    @Test
    void withoutADriverTheReasonSaysSo() {
        assumeFalse(libcudaPresent(), "this host has libcuda.so.1: the no-driver answer does not apply");
        for (int i = 0; i < 2; i++) {
            CudaProbe.Result r = CudaProbe.result();
            assertFalse(r.ready());
            assertEquals("no NVIDIA driver: libcuda.so.1 could not be loaded", r.reason());
            assertNull(r.device());
        }
    }

    /** A driver that answers as scripted; each field is a call's result code or value. */
    static final class ScriptedDriver implements CudaDriverCalls {
        int init;
        int count = 1;
        int version = 13000;
        String name = "NVIDIA H100 80GB HBM3";
        int major = 9;
        int minor = 0;
        long memory = 85_520_809_984L;
        int sms = 132;
        int nameResult;

        @Override
        public int init() {
            return init;
        }

        @Override
        public int driverVersion(int[] v) {
            v[0] = version;
            return 0;
        }

        @Override
        public int deviceCount(int[] c) {
            c[0] = count;
            return 0;
        }

        @Override
        public int deviceName(int ordinal, String[] n) {
            n[0] = name;
            return nameResult;
        }

        @Override
        public int computeCapability(int ordinal, int[] mm) {
            mm[0] = major;
            mm[1] = minor;
            return 0;
        }

        @Override
        public int totalMemory(int ordinal, long[] bytes) {
            bytes[0] = memory;
            return 0;
        }

        @Override
        public int multiprocessors(int ordinal, int[] c) {
            c[0] = sms;
            return 0;
        }

        @Override
        public String errorName(int result) {
            return result == 100 ? "CUDA_ERROR_NO_DEVICE" : result == 999 ? "CUDA_ERROR_UNKNOWN" : null;
        }
    }

    private static CudaProbe.Result probe(ScriptedDriver d) {
        return CudaProbe.probe(() -> d);
    }

    @Test
    void aMissingLibcudaIsNoDriver() {
        CudaProbe.Result r = CudaProbe.probe(() -> {
            throw new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                    + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1:"
                    + " cannot open shared object file: No such file or directory");
        });
        assertFalse(r.ready());
        assertEquals("no NVIDIA driver: libcuda.so.1 could not be loaded", r.reason());
    }

    @Test
    void aSecondTouchAfterAFailedLoadIsStillNoDriver() {
        // JCuda's second touch throws NoClassDefFoundError, with the first failure as its cause.
        CudaProbe.Result r = CudaProbe.probe(() -> {
            NoClassDefFoundError e = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
            e.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: libcuda.so.1:"
                    + " cannot open shared object file"));
            throw e;
        });
        assertEquals("no NVIDIA driver: libcuda.so.1 could not be loaded", r.reason());
    }

    @Test
    void aSecondTouchWhoseCauseWasCutShortKeepsTheFirstLine() {
        // The JVM cuts the repeated message short: in a deep stack the linker's words fall off the end.
        CudaProbe.Result r = CudaProbe.probe(() -> {
            NoClassDefFoundError e = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
            e.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: Error while loading"
                    + " native library \"JCudaDriver-12.6.0-linux-x86_64\"\nOperating system name: Linux"));
            throw e;
        });
        assertEquals("JCuda's native library could not be loaded: Exception java.lang.UnsatisfiedLinkError: Error"
                + " while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"", r.reason());
    }

    @Test
    void jcudaMissingFromTheClassPathIsSaid() {
        CudaProbe.Result r = CudaProbe.probe(() -> {
            throw new NoClassDefFoundError("jcuda/driver/JCudaDriver");
        });
        assertEquals("JCuda is not on the class path (jcuda/driver/JCudaDriver)", r.reason());
    }

    @Test
    void anotherNativeFailureKeepsItsFirstLine() {
        CudaProbe.Result r = CudaProbe.probe(() -> {
            throw new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-aarch64\"\n"
                    + "more lines");
        });
        assertEquals("JCuda's native library could not be loaded: Error while loading native library"
                + " \"JCudaDriver-12.6.0-linux-aarch64\"", r.reason());
    }

    @Test
    void noDeviceFromCuInit() {
        ScriptedDriver d = new ScriptedDriver();
        d.init = 100;
        CudaProbe.Result r = probe(d);
        assertFalse(r.ready());
        assertEquals("no CUDA device: the NVIDIA driver is installed but reports no GPU"
                + " (cuInit: CUDA_ERROR_NO_DEVICE (100))", r.reason());
    }

    @Test
    void anotherCuInitFailureNamesItsCode() {
        ScriptedDriver d = new ScriptedDriver();
        d.init = 999;
        assertEquals("the NVIDIA driver failed to start: cuInit returned CUDA_ERROR_UNKNOWN (999)",
                probe(d).reason());
        d.init = 34;
        assertEquals("the NVIDIA driver failed to start: cuInit returned error (34)", probe(d).reason());
    }

    @Test
    void zeroDevices() {
        ScriptedDriver d = new ScriptedDriver();
        d.count = 0;
        assertEquals("no CUDA device: the NVIDIA driver reports no GPU", probe(d).reason());
    }

    @Test
    void aDriverOlderThanCuda13() {
        ScriptedDriver d = new ScriptedDriver();
        d.version = 12040;
        CudaProbe.Result r = probe(d);
        assertFalse(r.ready());
        assertEquals("driver 12.4 is older than CUDA 13, which these kernels need", r.reason());
        assertEquals(12040, r.driverVersion());
    }

    @Test
    void aGpuOlderThanSm80() {
        ScriptedDriver d = new ScriptedDriver();
        d.name = "Tesla T4";
        d.major = 7;
        d.minor = 5;
        d.memory = 15_655_829_504L;
        CudaProbe.Result r = probe(d);
        assertFalse(r.ready());
        assertEquals("GPU Tesla T4 (sm_75, 14.6 GiB, driver 13.0) is older than sm_80, the oldest GPU these"
                + " kernels are built for", r.reason());
    }

    @Test
    void aFailedDeviceQueryIsNotReady() {
        ScriptedDriver d = new ScriptedDriver();
        d.nameResult = 999;
        assertEquals("querying GPU 0 failed: cuDeviceGetName returned CUDA_ERROR_UNKNOWN (999)", probe(d).reason());
    }

    @Test
    void anH100IsReady() {
        ScriptedDriver d = new ScriptedDriver();
        CudaProbe.Result r = probe(d);
        assertTrue(r.ready());
        assertEquals("GPU NVIDIA H100 80GB HBM3 (sm_90, 79.6 GiB, driver 13.0)", r.reason());
        assertEquals(new CudaDevice(0, "NVIDIA H100 80GB HBM3", 9, 0, 85_520_809_984L, 132), r.device());
        d.count = 2;
        d.version = 13010;
        assertEquals("GPU NVIDIA H100 80GB HBM3 (sm_90, 79.6 GiB, driver 13.1, device 0 of 2)", probe(d).reason());
    }

    @Test
    void aRuntimeFailureInsideJCudaBecomesAReason() {
        CudaProbe.Result r = CudaProbe.probe(() -> {
            throw new IllegalStateException("surprise");
        });
        assertFalse(r.ready());
        assertEquals("the CUDA probe failed: java.lang.IllegalStateException: surprise", r.reason());
    }
}

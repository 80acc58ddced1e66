package dev.tokenmeter.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.EnumMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * Loads every kernel image into the current context and launches kernels by {@link CudaKernels.Kernel}, on one
 * stream. Arguments are given as Java values: {@link CUdeviceptr} (a device address, {@code null} for a null
 * pointer), Integer, Float or Long, in the kernel's order. A failed launch throws a {@link CudaException} naming
 * the kernel and its launch shape. With {@code -Dtokenmeter.cuda.sync=true} (or {@code TOKENMETER_CUDA_SYNC=1})
 * every launch is followed by a stream synchronization outside of graph capture, so that an asynchronous fault
 * (an illegal address) is pinned on the kernel that caused it, at a cost in speed.
 */
final class Launcher implements AutoCloseable {
    /** CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES. */
    private static final int MAX_DYNAMIC_SHARED = 8;

    static final boolean SYNC_EACH_LAUNCH = Boolean.getBoolean("tokenmeter.cuda.sync")
            || "1".equals(System.getenv("TOKENMETER_CUDA_SYNC"));

    private final Map<CudaKernels.Image, CudaModule> modules = new EnumMap<>(CudaKernels.Image.class);
    private final Map<CudaKernels.Kernel, Integer> dynamicSharedSet = new EnumMap<>(CudaKernels.Kernel.class);
    private final CUstream stream;
    private boolean capturing;
    private long launches;

    /** Loads every image into the context current on this thread; launches go to {@code stream}. */
    Launcher(CUstream stream) {
        this.stream = stream;
        try {
            for (CudaKernels.Image image : CudaKernels.Image.values()) {
                modules.put(image, CudaModule.load(image));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    CUstream stream() {
        return stream;
    }

    CudaModule module(CudaKernels.Image image) {
        return modules.get(image);
    }

    /** Whether launches are being captured into a graph (no synchronization is allowed then). */
    void capturing(boolean on) {
        capturing = on;
    }

    /** Launches so far: the host's share of a step is proportional to these. */
    long launches() {
        return launches;
    }

    void launch(CudaKernels.Kernel kernel, int gx, int gy, int gz, int block, int dynamicShared, Object... args) {
        CUfunction f = modules.get(kernel.image()).function(kernel);
        if (dynamicShared > 48 * 1024) {
            Integer set = dynamicSharedSet.get(kernel);
            if (set == null || set < dynamicShared) {
                CudaException.check(cuFuncSetAttribute(f, MAX_DYNAMIC_SHARED, dynamicShared),
                        "cuFuncSetAttribute(" + kernel.symbol() + ", max dynamic shared memory " + dynamicShared + ")");
                dynamicSharedSet.put(kernel, dynamicShared);
            }
        }
        Pointer[] slots = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                slots[i] = Pointer.to(new long[] {0L});
            } else if (a instanceof CUdeviceptr p) {
                slots[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                slots[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Float v) {
                slots[i] = Pointer.to(new float[] {v});
            } else if (a instanceof Long v) {
                slots[i] = Pointer.to(new long[] {v});
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " of " + kernel.symbol() + " has type "
                        + a.getClass().getName());
            }
        }
        int r = cuLaunchKernel(f, gx, gy, gz, block, 1, 1, dynamicShared, stream, Pointer.to(slots), null);
        launches++;
        if (r != CUresult.CUDA_SUCCESS) {
            throw new CudaException("cuLaunchKernel(" + kernel.symbol() + ", grid " + gx + "x" + gy + "x" + gz
                    + ", block " + block + ", shared " + dynamicShared + ")", r);
        }
        if (SYNC_EACH_LAUNCH && !capturing) {
            CudaException.check(cuStreamSynchronize(stream), "kernel " + kernel.symbol() + " (grid " + gx + "x" + gy
                    + "x" + gz + ", block " + block + ")");
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (CudaModule m : modules.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        modules.clear();
        if (first != null) {
            throw first;
        }
    }
}

package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.util.EnumMap;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * One kernel image loaded into the current context. The driver picks the image's machine code for this GPU, or
 * compiles its PTX where none fits (once per process; the driver caches it on disk).
 */
public final class CudaModule implements AutoCloseable {
    private final CudaKernels.Image image;
    private final CUmodule module;
    private final Map<CudaKernels.Kernel, CUfunction> functions = new EnumMap<>(CudaKernels.Kernel.class);
    private boolean closed;

    private CudaModule(CudaKernels.Image image, CUmodule module) {
        this.image = image;
        this.module = module;
    }

    /** Loads {@code image} into the context current on this thread. */
    public static CudaModule load(CudaKernels.Image image) {
        byte[] bytes = image.bytes();
        CUmodule module = new CUmodule();
        check(cuModuleLoadData(module, bytes), "cuModuleLoadData(" + image.resource() + ")");
        return new CudaModule(image, module);
    }

    public CudaKernels.Image image() {
        return image;
    }

    /** The kernel's handle, looked up once. */
    public synchronized CUfunction function(CudaKernels.Kernel kernel) {
        if (closed) {
            throw new IllegalStateException("module " + image.baseName() + " is unloaded");
        }
        if (kernel.image() != image) {
            throw new IllegalArgumentException("kernel " + kernel.symbol() + " lives in image "
                    + kernel.image().baseName() + ", not " + image.baseName());
        }
        CUfunction f = functions.get(kernel);
        if (f == null) {
            f = new CUfunction();
            check(cuModuleGetFunction(f, module, kernel.symbol()), "cuModuleGetFunction(" + kernel.symbol() + ")");
            functions.put(kernel, f);
        }
        return f;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            functions.clear();
            check(cuModuleUnload(module), "cuModuleUnload(" + image.baseName() + ")");
        }
    }
}

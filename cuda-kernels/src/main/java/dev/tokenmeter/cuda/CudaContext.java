package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;

/**
 * A device's primary context, retained while this is open (the context the runtime API and other libraries in
 * the process share, rather than one of our own). A context is current per thread: the opening thread gets it,
 * and every other thread that launches must call {@link #makeCurrent()} first.
 */
public final class CudaContext implements AutoCloseable {
    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private boolean closed;

    private CudaContext(int ordinal, CUdevice device, CUcontext context) {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
    }

    /** Retains device {@code ordinal}'s primary context and makes it current on the calling thread. */
    public static CudaContext open(int ordinal) {
        check(cuInit(0), "cuInit");
        CUdevice device = new CUdevice();
        check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        CUcontext context = new CUcontext();
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        CudaContext opened = new CudaContext(ordinal, device, context);
        try {
            opened.makeCurrent();
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        return opened;
    }

    public int ordinal() {
        return ordinal;
    }

    /** Makes this context current on the calling thread. */
    public void makeCurrent() {
        checkOpen();
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Waits for all work in this context; an asynchronous kernel fault surfaces here. */
    public void synchronize() {
        checkOpen();
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context of device " + ordinal + " is closed");
        }
    }

    /** Releases the primary context; it is destroyed when no one else in the process holds it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease(" + ordinal + ")");
        }
    }
}

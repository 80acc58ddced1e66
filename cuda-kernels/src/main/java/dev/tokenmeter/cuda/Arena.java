package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import jcuda.driver.CUdeviceptr;

/**
 * Device memory taken in one allocation, sized up front, and handed out by bumping an offset: the engine never
 * allocates during a run, and closing the arena frees everything at once. Regions are aligned to 256 bytes (what
 * cuMemAlloc guarantees, and more than any 16-byte vector load needs).
 */
final class Arena implements AutoCloseable {
    static final long ALIGN = 256;

    private final CUdeviceptr base;
    private final long capacity;
    private long used;
    private boolean closed;

    private Arena(CUdeviceptr base, long capacity) {
        this.base = base;
        this.capacity = capacity;
    }

    /** Allocates {@code bytes} of device memory. */
    static Arena allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("arena size must be > 0, got " + bytes);
        }
        CUdeviceptr p = new CUdeviceptr();
        check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes for the engine's arena)");
        return new Arena(p, bytes);
    }

    /** {@code bytes} rounded up to the alignment: what {@link #take} consumes. */
    static long aligned(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The next {@code bytes} of the arena. */
    CUdeviceptr take(long bytes, String what) {
        if (closed) {
            throw new IllegalStateException("arena is freed");
        }
        long size = aligned(Math.max(bytes, 1));
        if (size > capacity - used) {
            throw new IllegalStateException("arena of " + capacity + " bytes has no room for " + what + " ("
                    + bytes + " bytes, " + (capacity - used) + " left): the memory plan is wrong");
        }
        CUdeviceptr p = (CUdeviceptr) base.withByteOffset(used);
        used += size;
        return p;
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return used;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cuMemFree(base), "cuMemFree(engine arena)");
        }
    }
}
